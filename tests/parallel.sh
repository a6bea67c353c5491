#!/bin/sh
# tests/parallel.sh: SIGINT while `parallel` branches run children.
# Three branches each start a shell that records its pid (which is also its
# process group id: shell.h) and then waits; once all three are running,
# rbc gets SIGINT.  The run must end with exit 130 (the step FAIL RB5009)
# and every child's process group must be gone: each branch's wait in the
# loop returned, and sh_reap killed the group.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

cat >"$TMPD/int.rb" <<'RB'
runbook "parallel-interrupt" {
  param dir = "."
  phase "p" {
    step "children" {
      parallel for i in [1, 2, 3] {
        sh "echo $$ > ${dir}/pg.${i}.tmp && mv ${dir}/pg.${i}.tmp ${dir}/pg.${i}; sleep 60; sleep 60"
      }
    }
    step "never" {
      log "not reached"
    }
  }
}
RB

set +e
# not through the rbc function: in the background that would be a subshell, and $! its pid
# shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
$RBC_WRAPPER "$RBC" run --param "dir=$TMPD" "$TMPD/int.rb" >"$TMPD/out" 2>&1 &
pid=$!
set -e
# wait (at most 60 s) until the three shells have written their pids
i=0
while [ ! -f "$TMPD/pg.1" ] || [ ! -f "$TMPD/pg.2" ] || [ ! -f "$TMPD/pg.3" ]; do
  i=$((i + 1))
  [ "$i" -le 600 ] || { kill -KILL "$pid" 2>/dev/null; cat "$TMPD/out" >&2;
                        fail "the three children did not all start"; }
  sleep 0.1
done
kill -INT "$pid"
set +e
wait "$pid"
st=$?
set -e
cat "$TMPD/out"
[ "$st" -eq 130 ] || fail "exit status $st after SIGINT, expected 130"
grep -q 'RB5009' "$TMPD/out" || fail "no RB5009 interrupt diagnostic"
grep -q 'not reached' "$TMPD/out" && fail "the run went on after the interrupt"
for n in 1 2 3; do
  pg=$(cat "$TMPD/pg.$n")
  # the group's last members may still be reaped by init: allow 5 s
  j=0
  while kill -0 -- "-$pg" 2>/dev/null; do
    j=$((j + 1))
    [ "$j" -le 50 ] || fail "process group $pg (branch $n) is still alive"
    sleep 0.1
  done
done
echo "ok: SIGINT during parallel children: exit 130, all three process groups killed"
