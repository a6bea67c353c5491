#!/bin/sh
# tests/aws_models.sh: the committed AWS service models (stdlib/aws/models/)
# are exactly what scripts/gen-aws-models.py makes from Debian's
# python3-botocore: regenerate into a temporary directory and compare byte
# for byte; and `rbc check` without readable models warns (RB2025).
# Skipped (77) where botocore's data is not installed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

DATA=/usr/lib/python3/dist-packages/botocore/data
[ -d "$DATA/ecs" ] || skip "python3-botocore's models are not installed ($DATA)"
/usr/bin/python3 "$top_srcdir/scripts/gen-aws-models.py" --data "$DATA" --out "$TMPD/models" ||
  fail "gen-aws-models.py failed"
diff -r "$top_srcdir/stdlib/aws/models" "$TMPD/models" >"$TMPD/diff" 2>&1 || {
  head -40 "$TMPD/diff"
  fail "stdlib/aws/models differs from a fresh scripts/gen-aws-models.py run"
}
# The generator is deterministic: a second run writes the same bytes.
/usr/bin/python3 "$top_srcdir/scripts/gen-aws-models.py" --data "$DATA" --out "$TMPD/again"
diff -r "$TMPD/models" "$TMPD/again" >/dev/null || fail "two runs of the generator differ"

# A broken install (no models) checks no AWS name and says so: RB2025, once per file.
cat >"$TMPD/calls.rb" <<'RB'
runbook "t" {
  owner "team-test"
  rto   5m
  phase "p" {
    step "s" {
      aws.ecs.describe_services(cluster: "prod", services: ["api"])
      aws.sns.publish(TopicArn: "arn", Message: "m")
    }
  }
}
RB
RBC_AWS_MODELS=$TMPD/no-such-dir expect_exit 1 rbc check -f gcc "$TMPD/calls.rb" >"$TMPD/out" 2>&1
[ "$(grep -c 'RB2025' "$TMPD/out")" -eq 1 ] || { cat "$TMPD/out"; fail "want one RB2025"; }
grep -q 'AWS model ecs: unable to open' "$TMPD/out" || { cat "$TMPD/out"; fail "RB2025 says why"; }
# With the models, the same file has no error.
RBC_AWS_MODELS=$top_srcdir/stdlib/aws/models rbc check --fail-on error -f gcc "$TMPD/calls.rb" \
  >"$TMPD/clean" 2>&1 || { cat "$TMPD/clean"; fail "calls.rb should check clean with the models"; }
exit 0
