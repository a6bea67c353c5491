#!/bin/sh
# tests/aws_endpoint.sh: the local AWS endpoint (tests/servers/fake_aws.py) checked
# against AWS's own clients: Debian's aws CLI for one operation of each protocol
# (query: sts, json: ecs, rest-json: appconfig, rest-xml: s3), a request signed
# with a wrong secret, a throttling fault the CLI retries and then gives up on;
# then botocore's clients for every operation the runbooks use (selftest.py).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
. "$top_srcdir/tests/servers/fakeaws.sh"

AWS=/usr/bin/aws
[ -x "$AWS" ] || skip "Debian's awscli (/usr/bin/aws) is not installed"
/usr/bin/python3 -c 'import botocore' 2>/dev/null || skip "python3-botocore is not installed"

cat >"$TMPD/seed.json" <<'EOF'
{
 "ecs": {"clusters": {"prod": {"services": {
   "payments-api": {"taskDefinition": "payments-api:41"}}}}},
 "appconfig": {"applications": {"payments": {"Id": "pay1234",
   "environments": {"prod": {"Id": "env1234"}},
   "configurationProfiles": {"flags": {"Id": "prof123"}}}}},
 "s3": {"buckets": {"ops-backups": {}}}
}
EOF

fake_aws_start --seed "$TMPD/seed.json" --settle-polls 1 || fail "endpoint did not start"
trap 'fake_aws_stop; rm -rf "$TMPD"' EXIT
fake_aws_env
unset AWS_ENDPOINT_URL   # the CLI is given --endpoint-url explicitly
AWS_MAX_ATTEMPTS=1
export AWS_MAX_ATTEMPTS

awscli() {
  "$AWS" --endpoint-url "$FAKE_AWS_URL" --no-cli-pager "$@"
}

# expect_eq WHAT GOT WANT
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# query protocol (STS)
got=$(awscli sts get-caller-identity --query Account --output text)
expect_eq "sts get-caller-identity" "$got" 123456789012

# json protocol (ECS)
got=$(awscli ecs describe-services --cluster prod --services payments-api \
  --query 'services[0].[taskDefinition,length(deployments)]' --output text)
expect_eq "ecs describe-services" "$got" \
  "arn:aws:ecs:us-east-1:123456789012:task-definition/payments-api:41	1"

# rest-json protocol (AppConfig): a deployment, then its state after one poll
got=$(awscli appconfig start-deployment --application-id pay1234 --environment-id env1234 \
  --deployment-strategy-id AppConfig.AllAtOnce --configuration-profile-id prof123 \
  --configuration-version 7 --query '[DeploymentNumber,State]' --output text)
expect_eq "appconfig start-deployment" "$got" "1	DEPLOYING"
got=$(awscli appconfig get-deployment --application-id pay1234 --environment-id env1234 \
  --deployment-number 1 --query '[ConfigurationVersion,State]' --output text)
expect_eq "appconfig get-deployment" "$got" "7	COMPLETE"

# rest-xml protocol (S3, path-style): a key with a space and a slash, both ways
printf 'rollback state\n' >"$TMPD/state.json"
awscli s3api put-object --bucket ops-backups --key "incidents/inc 1/state.json" \
  --body "$TMPD/state.json" --content-type application/json >"$TMPD/put.out" ||
  fail "s3api put-object failed"
got=$(awscli s3api get-object --bucket ops-backups --key "incidents/inc 1/state.json" \
  "$TMPD/got.json" --query ContentType --output text)
expect_eq "s3api get-object content type" "$got" application/json
cmp -s "$TMPD/state.json" "$TMPD/got.json" || fail "s3api get-object: body differs"

# a wrong secret: 403 SignatureDoesNotMatch
if AWS_SECRET_ACCESS_KEY=not-the-secret awscli sts get-caller-identity \
    >"$TMPD/bad.out" 2>"$TMPD/bad.err"; then
  fail "a request signed with a wrong secret was accepted"
fi
grep -q 'SignatureDoesNotMatch' "$TMPD/bad.err" ||
  fail "wrong secret: no SignatureDoesNotMatch: $(cat "$TMPD/bad.err")"

# throttling: the CLI retries a throttled call (2 attempts allowed), then gives up
fake_aws_ctl POST faults \
  '{"kind": "throttle", "service": "ecs", "operation": "DescribeServices", "count": 5}' \
  >/dev/null
if AWS_MAX_ATTEMPTS=2 awscli ecs describe-services --cluster prod --services payments-api \
    >"$TMPD/thr.out" 2>"$TMPD/thr.err"; then
  fail "the CLI did not see the throttling"
fi
grep -q 'ThrottlingException' "$TMPD/thr.err" ||
  fail "throttled: no ThrottlingException: $(cat "$TMPD/thr.err")"

# the server's own account: 2 throttled DescribeServices (the CLI retried once),
# every AWS call verified but the wrong-secret one
fake_aws_ctl GET 'log?operation=DescribeServices' >"$TMPD/log.json"
fake_aws_ctl GET stats >"$TMPD/stats.json"
/usr/bin/python3 - "$TMPD/log.json" "$TMPD/stats.json" <<'EOF' || fail "request log/stats"
import json, sys
log = json.load(open(sys.argv[1]))
stats = json.load(open(sys.argv[2]))
throttled = [e for e in log if e.get('fault') == 'throttle']
assert len(throttled) == 2, [(e['status'], e.get('fault')) for e in log]
assert all(e['verified'] for e in log), log
assert stats['rejected'] == 1 and stats['verified'] == stats['requests'] - 1, stats
EOF

fake_aws_stop

# botocore's clients against every operation the runbooks use
/usr/bin/python3 "$top_srcdir/tests/servers/selftest.py" >"$TMPD/selftest.out" 2>&1 || {
  cat "$TMPD/selftest.out" >&2
  fail "tests/servers/selftest.py failed"
}
tail -n 1 "$TMPD/selftest.out"
