#!/bin/sh
# tests/journal.sh: the run journal, `rbc resume` and the run lock
# (issue 6, docs/journal.md).
#
#   - where journals go (--journal-dir, RBC_STATE_DIR, XDG_STATE_HOME,
#     HOME), modes 0700 / 0600, the summary naming the journal and the
#     resume command;
#   - a secret param's value in no journal, the secret re-read from its
#     source on resume (and a resume without it refused);
#   - bindings of completed steps restored on resume, completed steps
#     skipped, the failed step run again;
#   - a halted confirm resumed with --yes; a changed runbook refused
#     without --accept-changes (what changed is shown);
#   - tampered journals (a line edited, removed, moved, cut) refused with
#     the line number (exit 65), also by tests/journal_verify.py;
#   - the lock: a second run or resume of a running runbook exits 75 naming
#     the holder's run id and pid, nothing executed; two runs started
#     together: exactly one proceeds;
#   - a journal write that fails (RLIMIT_FSIZE: the kernel refuses the
#     write with EFBIG) stops the run with 74 and leaves a journal that
#     verifies and resumes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

VERIFY="python3 $top_srcdir/tests/journal_verify.py"
cd "$TMPD"

# the only journal in directory $1
journal_in() {
  set -- "$1"/*.jsonl
  [ -f "$1" ] || fail "no journal in $(dirname "$1")"
  [ $# -eq 1 ] || fail "more than one journal in $(dirname "$1")"
  echo "$1"
}

mode_of() {
  stat -c %a "$1"
}

# {==== locations, modes, summary ====

cat > small.rb <<'EOF'
runbook "small" {
  param out : string
  phase "p" {
    step "one" { sh("echo one >> ${out}") }
    step "two" { sh("echo two >> ${out}") }
  }
}
EOF

expect_exit 0 rbc run small.rb --param out=o1 --journal-dir new/dir/runs -f plain >/dev/null
J=$(journal_in new/dir/runs)
[ "$(mode_of new/dir/runs)" = 700 ] || fail "journal directory mode $(mode_of new/dir/runs)"
[ "$(mode_of "$J")" = 600 ] || fail "journal mode $(mode_of "$J")"
[ "$(mode_of new/dir/runs/small.lock)" = 600 ] || fail "lock file mode"
$VERIFY "$J" || fail "journal does not verify"
for t in version run_start phase_start step_start action step_end phase_end run_end; do
  grep -q "\"type\":\"$t\"" "$J" || fail "no $t event in the journal"
done
echo "ok   --journal-dir made 0700, journal 0600, all event types present, chain verifies"

# defaults: RBC_STATE_DIR/runs, then XDG_STATE_HOME/rbc/runs, then HOME/.local/state/rbc/runs
expect_exit 0 env RBC_STATE_DIR="$TMPD/sd" "$RBC" run small.rb --param out=o2 -f plain >/dev/null
journal_in sd/runs >/dev/null
expect_exit 0 env -u RBC_STATE_DIR XDG_STATE_HOME="$TMPD/xdg" "$RBC" run small.rb \
  --param out=o3 -f plain >/dev/null
journal_in xdg/rbc/runs >/dev/null
mkdir home
expect_exit 0 env -u RBC_STATE_DIR -u XDG_STATE_HOME HOME="$TMPD/home" "$RBC" run small.rb \
  --param out=o4 -f plain >/dev/null
journal_in home/.local/state/rbc/runs >/dev/null
[ "$(mode_of home/.local/state/rbc/runs)" = 700 ] || fail "default directory mode"
echo "ok   default directories: RBC_STATE_DIR, XDG_STATE_HOME, HOME"

# the summary of a failed run names the journal and the resume command
cat > fails.rb <<'EOF'
runbook "fails" {
  phase "p" { step "bad" { sh("exit 3") } }
}
EOF
set +e
rbc run fails.rb --journal-dir jf -f tty >fails.out 2>&1
st=$?
set -e
[ "$st" -eq 1 ] || fail "failing run exited $st"
J=$(journal_in jf)
id=$(basename "$J" .jsonl)
grep -q "Journal: jf/$id.jsonl" fails.out || fail "summary lacks the journal path"
grep -q "Resume:  rbc resume $id" fails.out || fail "summary lacks the resume command"
echo "ok   the summary prints the journal and rbc resume ID"

# }====

# {==== secrets, bindings, resume ====

cat > res.rb <<'EOF'
runbook "res" {
  param dir : string
  secret token : string
  phase "first" {
    step "bind" {
      let x = 42
      let d = 5m
      let m = {"a": [1, 2], "s": "text"}
      sh("echo bind >> ${dir}/lines")
    }
    step "secret" {
      let t = token
      log "token is", token
      sh("echo secret >> ${dir}/lines; printf %s \"$TOK\" > ${dir}/tok", env: {"TOK": t})
    }
  }
  phase "second" {
    step "gated" {
      sh("test -f ${dir}/go")
      sh("echo ${x} ${d} ${m.a[1]} ${m.s} >> ${dir}/lines")
    }
  }
}
EOF
mkdir rd
SECRET=s3cr3t-Value-9f8e7d
set +e
RBC_PARAM_token=$SECRET rbc run res.rb --param dir="$TMPD/rd" --journal-dir jr -f plain \
  >res1.out 2>&1
st=$?
set -e
[ "$st" -eq 1 ] || { cat res1.out; fail "first run exited $st, expected 1"; }
J=$(journal_in jr)
id=$(basename "$J" .jsonl)
grep -q '"bindings":{"x":{"type":"int","value":42},"d":{"type":"duration","value":300000}' "$J" \
  || fail "bindings of step bind not journaled"
grep -q '"t":{"secret":true,"value":"secret, re-evaluate on resume"}' "$J" \
  || fail "secret binding not journaled as secret"

# no secret param: refused before anything runs, nothing appended
size=$(wc -c < "$J")
set +e
env -u RBC_PARAM_token "$RBC" resume "$id" --journal-dir jr -f plain >res2.out 2>&1
st=$?
set -e
[ "$st" -eq 64 ] || { cat res2.out; fail "resume without the secret exited $st, expected 64"; }
grep -q "nothing was executed" res2.out || fail "refused resume does not say nothing ran"
[ "$(wc -c < "$J")" -eq "$size" ] || fail "a refused resume wrote to the journal"

touch rd/go
SECRET2=an0ther-s3cret-Value
RBC_PARAM_token=$SECRET2 expect_exit 0 rbc resume "$id" --journal-dir jr -f plain >res3.out
grep -q 'step 1/2 "bind" skipped done-before-resume' res3.out || fail "bind not skipped"
[ "$(cat rd/tok)" = "$SECRET2" ] || fail "the secret was not re-read from its source on resume"
printf 'bind\nsecret\nsecret\n42 5m 2 text\n' > want
cmp want rd/lines || { cat rd/lines; fail "lines after resume differ"; }
grep -q '"type":"resume"' "$J" || fail "no resume event"
$VERIFY "$J" || fail "journal does not verify after the resume"
for f in jr/* res1.out res3.out; do
  if grep -q -e "$SECRET" -e "$SECRET2" "$f"; then
    fail "a secret's value is in $f"
  fi
done
echo "ok   bindings restored, completed steps skipped, secret re-read and in no journal"

# resume of a run id that does not exist
expect_exit 66 rbc resume 20260101T000000Z-nope-0000 --journal-dir jr >/dev/null 2>&1
echo "ok   unknown run id: 66"

# }====

# {==== confirm, changes ====

cat > gate.rb <<'EOF'
runbook "gate" {
  param out : string
  phase "p" {
    step "before" { sh("echo before >> ${out}") }
    step "ask" {
      confirm "Go on?"
      sh("echo after >> ${out}")
    }
  }
}
EOF
expect_exit 2 rbc run gate.rb --param out="$TMPD/g.out" --journal-dir jg -f plain \
  </dev/null >/dev/null
J=$(journal_in jg)
id=$(basename "$J" .jsonl)
expect_exit 2 rbc resume "$id" --journal-dir jg -f plain </dev/null >/dev/null
# (from another directory: the relative runbook path is found through the journal's cwd)
(cd home && expect_exit 0 rbc resume "$id" --journal-dir ../jg --yes -f plain </dev/null \
  >/dev/null)
printf 'before\nafter\n' > want
cmp want g.out || fail "halted run resumed with --yes: lines differ"
grep -q '"answer":"yes","by":"--yes"' "$J" || fail "gate answer not journaled"
echo "ok   a run halted at a confirm resumes with --yes (from another directory)"

expect_exit 1 rbc run fails.rb --journal-dir jc -f plain >/dev/null
J=$(journal_in jc)
id=$(basename "$J" .jsonl)
cat > fails.rb <<'EOF'
runbook "fails" {
  phase "p" {
    step "bad" { sh("exit 0") }
    step "added" { sh("true") }
  }
}
EOF
size=$(wc -c < "$J")
set +e
rbc resume "$id" --journal-dir jc -f plain >ch.out 2>&1
st=$?
set -e
[ "$st" -eq 65 ] || { cat ch.out; fail "changed runbook: exit $st, expected 65"; }
grep -q 'error\[RB9005\]: the runbook changed' ch.out || fail "no RB9005"
grep -q 'step "added" is new' ch.out || fail "the change summary lacks the new step"
grep -q "nothing was executed" ch.out || fail "changed runbook: no 'nothing was executed'"
[ "$(wc -c < "$J")" -eq "$size" ] || fail "a refused resume wrote to the journal"
expect_exit 0 rbc resume "$id" --journal-dir jc --accept-changes -f plain >/dev/null 2>&1
grep -q '"changed":true' "$J" || fail "accepted change not journaled"
echo "ok   changed runbook refused (65) with a summary, accepted with --accept-changes"

# }====

# {==== tampering ====

expect_exit 0 rbc run small.rb --param out=o5 --journal-dir jt -f plain >/dev/null
J=$(journal_in jt)
id=$(basename "$J" .jsonl)
n=$(wc -l < "$J")

# tamper NAME LINE SED-SCRIPT: the tampered copy must fail at LINE
tamper() {
  mkdir -p "t-$1"
  sed "$3" "$J" > "t-$1/$id.jsonl"
  set +e
  rbc resume "$TMPD/t-$1/$id.jsonl" >"t-$1.out" 2>&1
  st=$?
  out=$($VERIFY "t-$1/$id.jsonl")
  set -e
  [ "$st" -eq 65 ] || { cat "t-$1.out"; fail "$1: resume exited $st, expected 65"; }
  grep -q "^error\[RB9004\]: line $2 " "t-$1.out" || { cat "t-$1.out"; fail "$1: not line $2"; }
  grep -q "^ --> .*/$id.jsonl:$2\$" "t-$1.out" || { cat "t-$1.out"; fail "$1: no location"; }
  case $out in
    *".jsonl:$2: "*) ;;
    *) fail "$1: journal_verify.py says '$out', not line $2" ;;
  esac
  echo "ok   $1: $(cat "t-$1.out" | head -1)"
}
tamper edited 5 '5s/"status":"ok"/"status":"no"/'
tamper removed 4 '4d'
tamper moved 3 '3{h;d};4G'
tamper first-removed 1 '1d'
# cut the last line in half (no newline at the end)
mkdir -p t-cut
head -c "$(( $(wc -c < "$J") - 40 ))" "$J" > "t-cut/$id.jsonl"
expect_exit 65 rbc resume "$TMPD/t-cut/$id.jsonl" >t-cut.out 2>&1
grep -q "RB9004\]: line $n is truncated" t-cut.out || { cat t-cut.out; fail "cut: not line $n"; }
$VERIFY "t-cut/$id.jsonl" | grep -q ":$n: truncated" || fail "journal_verify.py missed the cut"
echo "ok   cut: $(head -1 t-cut.out)"

# }====

# {==== the lock ====

cat > slow.rb <<'EOF'
runbook "slow" {
  param dir : string
  phase "p" {
    step "started" { sh("echo $$ > ${dir}/started.$$") }
    step "hold" { sh("while [ ! -f ${dir}/go ]; do sleep 0.01; done") }
  }
}
EOF
mkdir lk
# shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
$RBC_WRAPPER "$RBC" run slow.rb --param dir="$TMPD/lk" --journal-dir jl -f plain >lk1.out 2>&1 &
pa=$!
tries=0
until ls lk/started.* >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 3000 ] || fail "the first run never started"
  sleep 0.01
done
ida=$(basename "$(journal_in jl)" .jsonl)
set +e
rbc run slow.rb --param dir="$TMPD/lk" --journal-dir jl -f plain >lk2.out 2>&1
st=$?
rbc resume "$ida" --journal-dir jl -f plain >lk3.out 2>&1
st3=$?
set -e
touch lk/go
wait "$pa" || fail "the run holding the lock failed"
[ "$st" -eq 75 ] || { cat lk2.out; fail "second run exited $st, expected 75"; }
[ "$st3" -eq 75 ] || { cat lk3.out; fail "resume of a running run exited $st3, expected 75"; }
grep -q "RB5010" lk2.out || fail "no RB5010 in the refusal"
grep -q "run $ida, process $pa holds" lk2.out || { cat lk2.out; fail "holder not named"; }
grep -q "nothing was executed" lk2.out || fail "lock refusal lacks 'nothing was executed'"
[ "$(ls lk/started.* | wc -l)" -eq 1 ] || fail "the refused run executed a step"
[ "$(ls jl/*.jsonl | wc -l)" -eq 1 ] || fail "the refused run left a journal"
echo "ok   lock held: run and resume exit 75 naming run $ida, process $pa"

# two runs started together: exactly one proceeds
rm -rf lk jl
mkdir lk
# shellcheck disable=SC2086
$RBC_WRAPPER "$RBC" run slow.rb --param dir="$TMPD/lk" --journal-dir jl -f plain >c1.out 2>&1 &
p1=$!
# shellcheck disable=SC2086
$RBC_WRAPPER "$RBC" run slow.rb --param dir="$TMPD/lk" --journal-dir jl -f plain >c2.out 2>&1 &
p2=$!
# release the winner only once the loser has given up (else it could run after)
tries=0
until grep -q RB5010 c1.out c2.out 2>/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -lt 3000 ] || { cat c1.out c2.out; fail "no run was refused"; }
  sleep 0.01
done
touch lk/go
set +e
wait "$p1"
s1=$?
wait "$p2"
s2=$?
set -e
case "$s1 $s2" in
  "0 75"|"75 0") ;;
  *) cat c1.out c2.out; fail "concurrent runs exited $s1 and $s2, expected 0 and 75" ;;
esac
[ "$(ls lk/started.* | wc -l)" -eq 1 ] || fail "both concurrent runs executed"
echo "ok   two runs at once: exit $s1 and $s2"

# }====

# {==== journal write failure ====

# RLIMIT_FSIZE makes the kernel refuse the journal's writes past the limit
# (EFBIG; SIGXFSZ is ignored, so write returns the error).  The limit cuts
# the journal in the middle of the run, after the first steps.
# (8 blocks: 4 KiB for dash, 8 KiB for bash; 16 steps write about 20 KiB.)
{
  echo 'runbook "many" {'
  echo '  param out : string'
  echo '  phase "p" {'
  for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
    echo "    step \"s$k\" { sh(\"echo s$k >> \${out}\") }"
  done
  echo '  }'
  echo '}'
} > many.rb
set +e
(
  trap '' XFSZ
  ulimit -f 8
  exec $RBC_WRAPPER "$RBC" run many.rb --param out="$TMPD/m.out" --journal-dir jw -f plain
) >w1.out 2>w1.err
st=$?
set -e
[ "$st" -eq 74 ] || { cat w1.out w1.err; fail "journal write failure: exit $st, expected 74"; }
grep -q "error\[RB9006\]: cannot write the journal" w1.err || fail "no RB9006 message"
J=$(journal_in jw)
id=$(basename "$J" .jsonl)
[ "$(wc -c < "$J")" -le 8192 ] || fail "the journal is larger than the limit"
before=$(wc -l < m.out)
[ "$before" -lt 16 ] || fail "the run did not stop at the write failure"
$VERIFY "$J" || fail "the journal does not verify after the write failure"
expect_exit 0 rbc resume "$id" --journal-dir jw -f plain >/dev/null
$VERIFY "$J" || fail "the journal does not verify after the resume"
for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
  c=$(grep -cx "s$k" m.out || true)
  [ "$c" -ge 1 ] && [ "$c" -le 2 ] || fail "step s$k ran $c times"
done
[ "$(sort m.out | uniq -d | wc -l)" -le 1 ] || fail "more than one step ran twice"
echo "ok   journal write failure: exit 74 after $before of 16 steps; verifies; resumed"

# }====

expect_exit 0 rbc help resume >help.out
grep -q "Usage: rbc resume RUN-ID|JOURNAL" help.out || fail "rbc help resume"
echo "ok   rbc help resume"
