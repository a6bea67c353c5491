#!/bin/sh
# tests/vm_loops.sh: computing loops stay interruptible.  The VM checks the
# interrupt flag, the step deadline and the phase budget at every 256th
# loop safe point (backward jumps, counting-loop steps, fn calls: vm/vm.c
# loop_safepoint), so a loop that never calls a built-in still ends:
#   - SIGINT during a counting loop, and during fn calls in a loop, ends the
#     run with exit 130 and the interruption reported;
#   - a step timeout (real clock) stops a computing loop with RB5003.
# (range() allows 10^7 items, so the endless loops are two nested ones.)
# No timing thresholds: each run is only waited for (60 s hang guard).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

cat >"$TMPD/spin.rb" <<'RB'
runbook "spin" {
  fn work(n) {
    let s = 0
    for j in range(0, n) {
      for i in range(0, n) {
        s = s + i % 7
        if s > 1000000000 {
          s = 0
        }
      }
    }
    return s
  }
  phase "p" {
    step "spin" {
      log "started"
      log work(10_000_000)
    }
  }
}
RB
cat >"$TMPD/calls.rb" <<'RB'
runbook "calls" {
  fn deep(n) {
    if n < 1 {
      return 0
    }
    return deep(n - 1) + 1
  }
  phase "p" {
    step "calls" {
      log "started"
      let t = 0
      for j in range(0, 10_000_000) {
        for i in range(0, 10_000_000) {
          t = deep(150)
        }
      }
    }
  }
}
RB
cat >"$TMPD/timeout.rb" <<'RB'
runbook "timeout" {
  phase "p" {
    step "spin" timeout 1s {
      let s = 0
      for j in range(0, 10_000_000) {
        for i in range(0, 10_000_000) {
          s = i
        }
      }
    }
  }
}
RB

# wait_for PID FILE TEXT: until FILE holds TEXT (the run is past its start-up).
wait_for() {
  n=0
  while ! grep -q "$3" "$2" 2>/dev/null; do
    kill -0 "$1" 2>/dev/null || { cat "$2"; fail "the run ended before printing '$3'"; }
    n=$((n + 1))
    [ "$n" -lt 600 ] || fail "no '$3' after 60 s"
    sleep 0.1
  done
}

# interrupt RUNBOOK: run it, SIGINT it once it computes, expect exit 130.
interrupt() {
  : >"$TMPD/out"
  # shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
  (exec $RBC_WRAPPER "$RBC" run --clock=real -f plain --journal-dir "$TMPD/j" "$1" \
     >"$TMPD/out" 2>&1) &
  pid=$!
  wait_for "$pid" "$TMPD/out" "started"
  sleep 0.2
  kill -INT "$pid"
  n=0
  while kill -0 "$pid" 2>/dev/null; do
    n=$((n + 1))
    [ "$n" -lt 600 ] || { kill -KILL "$pid"; fail "$1: SIGINT did not stop the loop in 60 s"; }
    sleep 0.1
  done
  set +e
  wait "$pid"
  st=$?
  set -e
  [ "$st" -eq 130 ] || { cat "$TMPD/out"; fail "$1: SIGINT in a computing loop: exit $st"; }
  grep -q "RB5009" "$TMPD/out" || { cat "$TMPD/out"; fail "$1: no RB5009 reported"; }
}

mkdir -p "$TMPD/j"
interrupt "$TMPD/spin.rb"
interrupt "$TMPD/calls.rb"

set +e
# shellcheck disable=SC2086
timeout 60 $RBC_WRAPPER "$RBC" run --clock=real -f plain --journal-dir "$TMPD/j" \
  "$TMPD/timeout.rb" >"$TMPD/out" 2>&1
st=$?
set -e
[ "$st" -eq 1 ] || { cat "$TMPD/out"; fail "step timeout in a computing loop: exit $st, not 1"; }
grep -q "RB5003" "$TMPD/out" || { cat "$TMPD/out"; fail "no RB5003 for the step timeout"; }
echo "ok: computing loops stop on SIGINT and at a step timeout"
