#!/bin/sh
# tests/security.sh: the promises of docs/security.md that no other driver
# tests (the others are referenced there):
#   1. a runbook or params file writable by other users is refused by
#      `rbc run` (RB9010, exit 65, nothing executed); a private group's
#      write bit and standard input are not refused;
#   2. a secret reaches no output: stdout, stderr, the journal and every
#      other state file, the JSON and JUnit reports, the argv of rbc and of
#      the shell it starts, whatever the secret goes through (log, string
#      interpolation, json.encode, a failed assert, a failing command's
#      output, an error message); it reaches the command through env: only;
#   3. state files: the journal directory 0700, every file in it 0600, even
#      under umask 000.
#   4. bytecode is not source: a .rbx given to run, plan, doc or check gets
#      one RB1005 error naming it (run: exit 65, nothing executed).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

SECRET=s3cr3t-Zq9-do-not-print
RBC_STATE_DIR=$TMPD/state
export RBC_STATE_DIR
cd "$TMPD"

# {==== 1. files writable by others ====

cat >ok.rb <<'RB'
runbook "perm" {
  param who = "x"
  phase "p" {
    step "s" { sh "touch ran-$$" }
  }
}
RB
echo '{"who": "y"}' >params.json
chmod 644 ok.rb params.json

refused() {  # refused WHAT MODE ARGS...: rbc run exits 65 with RB9010, runs nothing
  what=$1
  shift
  rm -f ran-*
  set +e
  rbc run "$@" >out 2>err
  st=$?
  set -e
  [ "$st" -eq 65 ] || fail "$what: exit $st, expected 65: $(cat err)"
  grep -q "error\[RB9010\]: $what .* is writable by" err || fail "$what: no RB9010: $(cat err)"
  grep -q "rbc: nothing was executed" err || fail "$what: no 'nothing was executed'"
  ! ls ran-* >/dev/null 2>&1 || fail "$what: the step ran"
}

chmod 646 ok.rb
refused runbook ok.rb
# watch shares run's preflight: refused alike
set +e
rbc watch --once ok.rb >out 2>err
st=$?
set -e
[ "$st" -eq 65 ] && grep -q "error\[RB9010\]" err || fail "watch: exit $st, expected 65 with RB9010: $(cat err)"
chmod 644 ok.rb
chmod 666 params.json
refused "params file" --params-file params.json ok.rb
chmod 644 params.json
# a directory others can write lets them replace the file: refused, unless
# it is sticky (as /tmp: only a file's owner may rename it there)
mkdir -p shared
cp ok.rb shared/ok.rb
chmod 777 shared
refused runbook shared/ok.rb
grep -q "is in directory shared, which is writable by every user" err \
  || fail "directory: message does not name it: $(cat err)"
chmod 1777 shared
expect_exit 0 rbc run shared/ok.rb >/dev/null
chmod 755 shared
# an imported library is held to the same rule
mkdir -p lib
cat >lib/helpers.rb <<'RB'
fn greet(who) {
  return "hello ${who}"
}
RB
cat >imports.rb <<'RB'
import "lib/helpers.rb"

runbook "imports" {
  phase "p" {
    step "s" {
      log greet("x")
      sh "touch ran-$$"
    }
  }
}
RB
chmod 644 imports.rb lib/helpers.rb
expect_exit 0 rbc run imports.rb >/dev/null
chmod 666 lib/helpers.rb
refused library imports.rb
chmod 644 lib/helpers.rb
chmod 777 lib
refused library imports.rb
chmod 755 lib
# group-writable, group not the owner's private group: refused (when we can
# give the file such a group: root can, others only to a group they are in)
other_gid=
for g in $(id -G); do
  [ "$g" = "$(id -g)" ] || { other_gid=$g; break; }
done
if [ -z "$other_gid" ] && [ "$(id -u)" = 0 ]; then
  other_gid=$(getent group users | cut -d: -f3 || true)
  [ -n "$other_gid" ] || other_gid=100
fi
if [ -n "$other_gid" ] && chgrp "$other_gid" ok.rb 2>/dev/null; then
  chmod 664 ok.rb
  refused runbook ok.rb
  chgrp "$(id -g)" ok.rb
else
  echo "note: no second group to test a shared group's write bit"
fi
# group-writable with the owner's private group (umask 002 systems): runs,
# when our primary group has no other member
if ! getent group "$(id -g)" | cut -d: -f4 | grep -q .; then
  chmod 664 ok.rb
  expect_exit 0 rbc run ok.rb >/dev/null
fi
chmod 644 ok.rb
# standard input has no mode to trust: not refused (the caller chose it)
expect_exit 0 rbc run - <ok.rb >/dev/null
# check only reads: a writable file is still checked
chmod 666 ok.rb
set +e
rbc check -f quiet ok.rb >/dev/null 2>&1
st=$?
set -e
[ "$st" -ne 65 ] || fail "check refused a writable file"
chmod 644 ok.rb
expect_exit 0 rbc run ok.rb >/dev/null
echo "ok   RB9010: world- and group-writable runbooks, params files, libraries and their directories refused, nothing run"

# }====

# {==== 2. secrets reach no output and no argv ====

cat >sec.rb <<'RB'
runbook "sec" {
  secret token : string
  secret other : string = env("SEC_OTHER", "none")
  param out : string
  phase "p" {
    step "uses" {
      log token
      log "interpolated ${token} and ${other}"
      log json.encode({t: token, list: [token]})
      let r = sh("cat /proc/$$/cmdline /proc/$PPID/cmdline > ${out}; printf %s \"$T\" | wc -c",
                 env: {T: token})
      log "length", r.stdout
      let echoed = sh("printf %s \"$T\"", env: {T: token})
      log echoed.stdout
    }
    step "fails" {
      assert token == "something else"
    }
  }
}
RB
chmod 644 sec.rb
printf '{"other": "%s-file"}\n' "$SECRET" >secparams.json
chmod 600 secparams.json
RBC_PARAM_token=$SECRET SEC_OTHER=unused \
  rbc run -f jsonl --param out="$TMPD/argv" --params-file secparams.json \
  --report-json "$TMPD/rep.json" --report-junit "$TMPD/rep.xml" sec.rb >run.out 2>run.err \
  && fail "the failing assert did not fail the run"
[ -s argv ] || fail "the shell did not record its argv: $(cat run.err)"
grep -q "cat /proc" argv || fail "argv file does not hold the shell's command line"
grep -q '\*\*\*' run.out || fail "no masked value in the output: $(head -5 run.out)"
grep -q '"length"' run.out || grep -q 'length' run.out || fail "the step did not run: $(cat run.err)"
for f in run.out run.err argv rep.json rep.xml $(find "$RBC_STATE_DIR" -type f); do
  if grep -q "$SECRET" "$f"; then
    fail "the secret is in $f: $(grep -n "$SECRET" "$f" | head -3)"
  fi
done
echo "ok   a secret reaches no output, report, state file or argv (log, interpolation, json, assert, sh)"

# }====

# {==== 3. state files ====

rm -rf "$RBC_STATE_DIR"
(umask 000 && rbc run ok.rb >/dev/null) || fail "run under umask 000 failed"
bad=$(find "$RBC_STATE_DIR" -type f ! -perm 600; find "$RBC_STATE_DIR" -mindepth 1 -type d ! -perm 700)
[ -z "$bad" ] || fail "state files not 0600 / dirs not 0700 under umask 000: $(ls -la $bad)"
[ -n "$(find "$RBC_STATE_DIR" -type f)" ] || fail "no state file written under $RBC_STATE_DIR"
echo "ok   state files 0600 and directories 0700, even under umask 000"

# }====

# {==== 4. bytecode given where source is read ====

rm -f ran-*
expect_exit 0 rbc compile ok.rb -o ok.rbx
for cmd in run plan doc check; do
  set +e
  rbc $cmd ok.rbx >out 2>err
  st=$?
  set -e
  case $cmd in
    run | plan | doc) want=65 ;;
    check) want=1 ;;
  esac
  [ "$st" -eq "$want" ] || fail "$cmd of a .rbx: exit $st, expected $want: $(cat err out)"
  cat out err >both
  grep -q "error\[RB1005\]: this is rbc bytecode, not runbook source" both ||
    fail "$cmd of a .rbx: no RB1005 naming bytecode: $(cat both)"
  [ "$(grep -c 'error\[' both)" -eq 1 ] || fail "$cmd of a .rbx: more than one error: $(cat both)"
done
! ls ran-* >/dev/null 2>&1 || fail "run of a .rbx executed a step"
echo "ok   a .rbx given to run, plan, doc or check: one RB1005 error, nothing run"

# }====
