#!/bin/sh
# tests/watch.sh: `rbc watch` (docs/watch.md).
#
#   - the cases tests/watch/*.rb with goldens <case>.out on the virtual clock
#     (run-run-tests.py, `# command: watch`): --once firing and not firing on
#     scripted series, a gap of no data breaking the `for` streak, triggers
#     without `for`, manual triggers listed only, monitors under --once,
#     --run starting the run, secrets masked, usage errors;
#   - a CloudWatch series scripted on the local AWS endpoint (every request
#     signature-verified with botocore): --once fires on 5xx counts that
#     stay high for the `for` window, does not when they drop, and a monitor
#     whose metric has no datapoints is "no data" (exit 1);
#   - --run while another run of the runbook holds its lock: exit 75;
#   - the continuous watch ends on SIGINT (130) and SIGTERM (143).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
. "$top_srcdir/tests/servers/fakeaws.sh"

python3 "$top_srcdir/tests/run-run-tests.py" "$RBC" "$top_srcdir/tests/watch" \
  --cases-only || fail "watch cases"

# {==== CloudWatch series on the local AWS endpoint ====
fake_aws_start --settle-polls 1 || fail "no local AWS endpoint"
trap 'fake_aws_stop; rm -rf "$TMPD"' EXIT
fake_aws_env
HOME=$TMPD/home
export HOME
mkdir "$HOME"
cat >"$TMPD/cw.rb" <<'RB'
runbook "cw" {
  param lb = "app/payments/1234"
  fn metric(name, stat) {
    let s = aws.cloudwatch.get_metric_statistics(Namespace: "AWS/ApplicationELB",
      MetricName: name, Dimensions: [{Name: "LoadBalancer", Value: lb}],
      StartTime: now() - 1m, EndTime: now(), Period: 60, Statistics: [stat])
    if len(s.Datapoints) == 0 {
      return null
    }
    return s.Datapoints[0][stat]
  }
  trigger auto "5xx above 10 a minute" when metric("HTTPCode_Target_5XX_Count", "Sum") > 10 for 2m
  trigger manual "Product owner decision"
  monitor "Response time" value metric("TargetResponseTime", "Average") normal < 0.5 alert > 2
}
RB
series() {  # series METRIC JSON-VALUES
  fake_aws_ctl POST metrics "{\"namespace\": \"AWS/ApplicationELB\", \"metric\": \"$1\", \"values\": $2}" \
    >/dev/null || fail "cannot script $1"
}
watch_once() {  # watch_once EXPECTED-EXIT OUTPUT
  expect_exit "$1" rbc watch --once --interval 1m --clock virtual -f plain "$TMPD/cw.rb" \
    >"$2" 2>"$2.err" || { cat "$2" "$2.err"; fail "watch --once: exit, expected $1"; }
}

series HTTPCode_Target_5XX_Count '[50, 60, 70]'
series TargetResponseTime '[0.2]'
watch_once 1 "$TMPD/fires.out"
grep -q 'trigger "5xx above 10 a minute" FIRED held=2m for=2m' "$TMPD/fires.out" \
  || { cat "$TMPD/fires.out"; fail "the 5xx trigger did not fire"; }
grep -q 'monitor "Response time" NORMAL' "$TMPD/fires.out" || fail "monitor not normal"
grep -q 'trigger "Product owner decision" manual' "$TMPD/fires.out" || fail "manual not listed"
if grep -q 'Product owner decision" FIRED' "$TMPD/fires.out"; then fail "manual trigger fired"; fi

series HTTPCode_Target_5XX_Count '[50, 2, 70]'
watch_once 0 "$TMPD/quiet.out"
grep -q 'trigger "5xx above 10 a minute" clear' "$TMPD/quiet.out" || fail "no clear sample"
if grep -q 'FIRED' "$TMPD/quiet.out"; then cat "$TMPD/quiet.out"; fail "fired on a drop"; fi

series HTTPCode_Target_5XX_Count '[1]'
series TargetResponseTime '[null]'
watch_once 1 "$TMPD/nodata.out"
grep -q 'monitor "Response time" sample 1 no-data reason="the value is null"' "$TMPD/nodata.out" \
  || { cat "$TMPD/nodata.out"; fail "no data was not reported"; }
grep -q 'monitor "Response time" INCONCLUSIVE' "$TMPD/nodata.out" || fail "no data was normal"

stats=$(fake_aws_ctl GET stats) || fail "no stats from the endpoint"
echo "$stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
ok = s["requests"] >= 10 and s["verified"] == s["requests"] and s["rejected"] == 0
sys.exit(0 if ok else 1)' || fail "not every request verified: $stats"
# }====

# {==== --run and the run lock ====
cat >"$TMPD/locked.rb" <<'RB'
runbook "locked" {
  trigger auto "always" when true
  phase "p" {
    step "slow" {
      sh("sleep 3")
    }
  }
}
RB
rbc run -f plain "$TMPD/locked.rb" >"$TMPD/first.out" 2>&1 &
first=$!
i=0
until grep -q 'step 1/1 "slow" start' "$TMPD/first.out" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -lt 300 ] || { kill "$first"; fail "the first run did not start"; }
  sleep 0.1
done
expect_exit 75 rbc watch --run --once -f plain "$TMPD/locked.rb" >"$TMPD/second.out" 2>&1 \
  || { cat "$TMPD/second.out"; fail "--run did not meet the lock (exit 75)"; }
grep -q 'trigger "always" FIRED' "$TMPD/second.out" || fail "no firing before the run"
wait "$first" || fail "the first run failed"
# }====

# {==== signals ====
cat >"$TMPD/sig.rb" <<'RB'
runbook "sig" {
  trigger auto "never" when false
}
RB
for sig in INT TERM; do
  out=$TMPD/sig-$sig.out     # a file of its own: never a previous watch's lines
  # not through the rbc function: $! must be rbc's own pid (or valgrind's)
  # shellcheck disable=SC2086
  $RBC_WRAPPER "$RBC" watch --interval 1s -f plain "$TMPD/sig.rb" >"$out" 2>&1 &
  pid=$!
  i=0
  until grep -q 'trigger "never" clear' "$out" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 300 ] || { kill "$pid"; fail "watch did not sample"; }
    sleep 0.1
  done
  kill -"$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  want=130
  [ "$sig" = TERM ] && want=143
  [ "$rc" = "$want" ] || { cat "$out"; fail "SIG$sig: exit $rc, expected $want"; }
  grep -q "RB5009 interrupted by SIG$sig" "$out" || fail "SIG$sig not reported"
done
# }====
exit 0
