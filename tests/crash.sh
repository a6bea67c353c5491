#!/bin/sh
# tests/crash.sh: runs that are killed survive (issue 6, docs/journal.md).
#
# A runbook of 20 steps, each appending its own line to a file, is killed at
# random points and then resumed with `rbc resume`:
#   - SIGKILL over at least 50 trials (fewer under valgrind, said below);
#   - SIGINT and SIGTERM: the run exits 130 / 143 (or 0 when it finished
#     first) and is resumed the same way.
# After every trial: each step's line appears exactly once, except at most
# one step (the interrupted one) which may appear twice; the journal
# verifies, checked by tests/journal_verify.py (an independent reading of
# docs/journal.md) both after the kill and after the resume (copies of both
# are verified together at the end of each series: one python start each).
# Then, with a step whose shell leaves a sleeping grandchild: SIGINT and
# SIGTERM exit 130 / 143 and the child's whole process group is gone.
# The kill points come from awk's rand() seeded with the trial number, so a
# failing trial can be replayed; they are spread over the measured length
# of one uninterrupted run, from the start (odd trials) or from the moment
# the journal exists (even trials, so that most kills land among the steps
# even where start-up is slow, as under valgrind).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

VERIFY="python3 $top_srcdir/tests/journal_verify.py"
RB=$TMPD/twenty.rb
{
  echo 'runbook "twenty" {'
  echo '  param out : string'
  for ph in 1 2; do
    echo "  phase \"p$ph\" {"
    for k in 1 2 3 4 5 6 7 8 9 10; do
      n=$(( (ph - 1) * 10 + k ))
      echo "    step \"s$n\" { sh(\"echo s$n >> \${out}; sleep 0.002\") }"
    done
    echo '  }'
  done
  echo '}'
} > "$RB"

KILL_TRIALS=50
SIG_TRIALS=10
if [ -n "$RBC_WRAPPER" ]; then
  KILL_TRIALS=6
  SIG_TRIALS=2
  echo "under RBC_WRAPPER (valgrind): $KILL_TRIALS SIGKILL trials and $SIG_TRIALS per signal" \
       "(the plain run does 50 and 10)"
fi

# Milliseconds since the epoch.
now_ms() {
  date +%s%3N
}

# One uninterrupted run: its length spreads the kill points.
t0=$(now_ms)
expect_exit 0 rbc run "$RB" --param out="$TMPD/len.out" --journal-dir "$TMPD/len" -f plain \
  >/dev/null
LEN=$(( $(now_ms) - t0 ))
[ "$(wc -l < "$TMPD/len.out")" -eq 20 ] || fail "the uninterrupted run did not write 20 lines"
$VERIFY "$TMPD"/len/*.jsonl || fail "the uninterrupted run's journal does not verify"

# check_lines FILE TRIAL: every step's line once, at most one of them twice.
check_lines() {
  awk -v trial="$2" '
    { n[$0]++ }
    END {
      twice = 0
      for (i = 1; i <= 20; i++) {
        c = n["s" i] + 0
        if (c == 0) { printf "trial %s: step s%d never ran\n", trial, i; bad = 1 }
        if (c == 2) twice++
        if (c > 2) { printf "trial %s: step s%d ran %d times\n", trial, i, c; bad = 1 }
      }
      if (twice > 1) { printf "trial %s: %d steps ran twice\n", trial, twice; bad = 1 }
      exit bad
    }' "$1"
}

killed_early=0
doubled=0
mkdir "$TMPD/journals"

# trial SIGNAL N: run, signal it after a random delay, resume, check.
trial() {
  sig=$1
  n=$2
  dir=$TMPD/t-$sig-$n
  out=$dir/out
  mkdir -p "$dir"
  case $sig in KILL) seed=$n ;; INT) seed=$((1000 + n)) ;; *) seed=$((2000 + n)) ;; esac
  # odd trials: from the start (the kill may land before the first step);
  # even trials: from the moment the journal exists, over half the run
  span=$LEN
  [ $((n % 2)) -eq 0 ] && span=$((LEN / 2))
  delay=$(awk -v seed="$seed" -v len="$span" 'BEGIN { srand(seed);
          printf "%.3f", rand() * len / 1000 }')
  # not through the rbc function: $! must be the pid of rbc itself
  # shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
  $RBC_WRAPPER "$RBC" run "$RB" --param out="$out" --journal-dir "$dir/j" -f plain \
    >"$dir/run.log" 2>&1 &
  pid=$!
  if [ $((n % 2)) -eq 0 ]; then
    tries=0
    until ls "$dir"/j/*.jsonl >/dev/null 2>&1 || ! kill -0 "$pid" 2>/dev/null; do
      tries=$((tries + 1))
      [ "$tries" -lt 6000 ] || fail "trial $sig $n: no journal after 60s"
      sleep 0.01
    done
  fi
  sleep "$delay"
  kill -s "$sig" "$pid" 2>/dev/null || true
  set +e
  wait "$pid" 2>/dev/null   # no "Killed" line from the shell
  st=$?
  set -e
  case $sig:$st in
    KILL:137|KILL:0|INT:130|INT:0|TERM:143|TERM:0) ;;
    *) cat "$dir/run.log" >&2; fail "trial $sig $n: the run exited $st" ;;
  esac
  set -- "$dir"/j/*.jsonl
  if [ ! -f "$1" ]; then
    # killed before its journal existed: nothing may have run
    [ ! -s "$out" ] || fail "trial $sig $n: steps ran without a journal"
    killed_early=$((killed_early + 1))
    expect_exit 0 rbc run "$RB" --param out="$out" --journal-dir "$dir/j" -f plain \
      >"$dir/rerun.log" 2>&1
  else
    cp "$1" "$TMPD/journals/$sig-$n-killed.jsonl"
    id=$(basename "$1" .jsonl)
    set +e
    rbc resume "$id" --journal-dir "$dir/j" -f plain >"$dir/resume.log" 2>&1
    st=$?
    set -e
    [ "$st" -eq 0 ] || { cat "$dir/resume.log" >&2; fail "trial $sig $n: resume exited $st"; }
    cp "$1" "$TMPD/journals/$sig-$n-resumed.jsonl"
  fi
  check_lines "$out" "$sig $n" || fail "trial $sig $n (delay ${delay}s): lines wrong"
  if [ "$(sort "$out" | uniq -d | wc -l)" -gt 0 ]; then
    doubled=$((doubled + 1))
  fi
  rm -rf "$dir"
}

i=1
while [ "$i" -le "$KILL_TRIALS" ]; do
  trial KILL "$i"
  i=$((i + 1))
done
$VERIFY "$TMPD"/journals/KILL-*.jsonl || fail "a journal does not verify (above)"
echo "SIGKILL: $KILL_TRIALS trials passed ($killed_early killed before the journal existed," \
     "$doubled with the interrupted step run twice); run length ${LEN}ms"

for sig in INT TERM; do
  killed_early=0
  doubled=0
  i=1
  while [ "$i" -le "$SIG_TRIALS" ]; do
    trial "$sig" "$i"
    i=$((i + 1))
  done
  $VERIFY "$TMPD"/journals/"$sig"-*.jsonl || fail "a journal does not verify (above)"
  echo "SIG$sig: $SIG_TRIALS trials passed ($doubled with a step run twice)"
done

# SIGINT / SIGTERM while a step's shell has a sleeping child: 130 / 143, group gone.
cat > "$TMPD/sleeper.rb" <<'EOF'
runbook "sleeper" {
  param dir : string
  phase "p" {
    step "sleep" { sh("sleep 30 & echo $! > ${dir}/child.pid; wait") }
  }
}
EOF
for sig in INT TERM; do
  d=$TMPD/sleeper-$sig
  mkdir -p "$d"
  # shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
  $RBC_WRAPPER "$RBC" run "$TMPD/sleeper.rb" --param dir="$d" --journal-dir "$d/j" -f plain \
    >"$d/log" 2>&1 &
  pid=$!
  tries=0
  while [ ! -s "$d/child.pid" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 3000 ] || fail "the sleeping child never started"
    sleep 0.01
  done
  child=$(cat "$d/child.pid")
  [ -r "/proc/$child/stat" ] || skip "no /proc to watch the child process in"
  case $(awk '{ print $3 }' "/proc/$child/stat") in
    Z*) fail "the child is not running before SIG$sig" ;;
  esac
  kill -s "$sig" "$pid"
  set +e
  wait "$pid" 2>/dev/null   # no "Killed" line from the shell
  st=$?
  set -e
  want=130
  [ "$sig" = TERM ] && want=143
  [ "$st" -eq "$want" ] || { cat "$d/log" >&2; fail "SIG$sig: exit $st, expected $want"; }
  # gone, or a zombie waiting for init to reap it (dead either way).  rbc
  # SIGKILLs the group before it exits, but a killed process may still be
  # tearing down for a moment after kill(2) returns: allow it up to 5 s.
  tries=0
  while :; do
    case $(awk '{ print $3 }' "/proc/$child/stat" 2>/dev/null || true) in
      ''|Z*) break ;;
    esac
    tries=$((tries + 1))
    [ "$tries" -lt 500 ] || { kill "$child"; fail "SIG$sig: the step's child $child outlived the run"; }
    sleep 0.01
  done
  grep -q '"status":"interrupted"' "$d"/j/*.jsonl || fail "SIG$sig: run_end not journaled"
  $VERIFY "$d"/j/*.jsonl || fail "SIG$sig: the journal does not verify"
  echo "SIG$sig: exit $st, the step's child process $child is gone, the journal verifies"
done
