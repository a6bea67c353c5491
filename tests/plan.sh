#!/bin/sh
# tests/plan.sh: `rbc plan` lists every action and executes none.  The
# runbook tests/plan/effects.rb has shell, file, HTTP, AWS and confirm
# actions aimed at real local servers (tests/servers/httpd.py and the local
# AWS endpoint fake_aws.py): after `rbc plan` (tty and json) no file exists,
# httpd logged no request and the endpoint counted none; a real `rbc run` of
# the same runbook against the same servers is the control (they do see it).
# Also: the golden tty plan (tests/plan/effects.out), -f json against
# docs/rbc.plan-1.schema.json, the preflight exits (64, 65, 66), exit 1 for
# a call whose target needs execution, and no secret in any plan output.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
. "$top_srcdir/tests/servers/fakeaws.sh"

HERE=$top_srcdir/tests/plan
PY=/usr/bin/python3
SECRET=plan-sentinel-Kx81-secret
PLAN_TOKEN=$SECRET
export PLAN_TOKEN

$PY -c 'import botocore, jsonschema' 2>/dev/null ||
  skip "python3-botocore or python3-jsonschema is not installed (scripts/setup.sh)"

PIDS=
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  fake_aws_stop
  [ -n "${KEEP:-}" ] || rm -rf "$TMPD"
}
trap cleanup EXIT

"$PY" "$top_srcdir/tests/servers/httpd.py" --port-file "$TMPD/httpd.port" \
  --log "$TMPD/httpd.log" --lifetime 300 >/dev/null 2>"$TMPD/httpd.err" &
PIDS=$!
printf '{"sns": {"topics": ["ops"]}}\n' >"$TMPD/seed.json"
fake_aws_start --seed "$TMPD/seed.json" --settle-polls 1 || fail "the AWS endpoint did not start"
fake_aws_env
i=0
while [ ! -s "$TMPD/httpd.port" ]; do
  i=$((i + 1))
  [ $i -lt 200 ] || fail "httpd did not start: $(cat "$TMPD/httpd.err")"
  sleep 0.05
done
BASE=http://127.0.0.1:$(cat "$TMPD/httpd.port")
MARK=$TMPD/marker

# aws_requests: how many requests the endpoint has received.
aws_requests() {
  fake_aws_ctl GET stats | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["requests"])'
}

# http_requests: how many requests httpd has logged.
http_requests() {
  if [ -f "$TMPD/httpd.log" ]; then wc -l <"$TMPD/httpd.log" | tr -d ' '; else echo 0; fi
}

cd "$HERE"

# {==== plan executes nothing ====
rbc plan effects.rb --param "base=$BASE" --param "marker=$MARK" >"$TMPD/plan.tty" ||
  fail "rbc plan failed: $(cat "$TMPD/plan.tty")"
rbc plan -f json effects.rb --param "base=$BASE" --param "marker=$MARK" >"$TMPD/plan.json" ||
  fail "rbc plan -f json failed"
if [ -e "$MARK" ] || [ -e "$MARK.written" ]; then fail "plan created a file: a step ran"; fi
[ "$(http_requests)" = 0 ] || fail "plan sent HTTP requests: $(cat "$TMPD/httpd.log")"
[ "$(aws_requests)" = 0 ] || fail "plan sent AWS requests: $(fake_aws_ctl GET log)"
grep -q "^  ! sh  \"touch $MARK\"$" "$TMPD/plan.tty" || fail "the sh action is not listed"
grep -q "^ <= assert http GET  \"$BASE/health\"" "$TMPD/plan.tty" || fail "assert http not listed"
# }====

# {==== the control: a real run of the same runbook reaches both servers ====
set +e
rbc run --yes -f plain --journal-dir "$TMPD" effects.rb --param "base=$BASE" \
  --param "marker=$MARK" >"$TMPD/run.out" 2>&1 </dev/null
got=$?
set -e
[ "$got" = 1 ] || fail "control run: exit $got, want 1 (deploy is not a command): $(cat "$TMPD/run.out")"
[ -e "$MARK" ] || fail "control run: the sh step did not create the marker"
[ "$(http_requests)" -ge 1 ] || fail "control run: httpd saw no request"
[ "$(aws_requests)" -ge 1 ] || fail "control run: the AWS endpoint saw no request"
# }====

# {==== golden tty output, json against the schema ====
rbc plan effects.rb --param base=http://plan.invalid --param marker=/nonexistent/plan-marker \
  >"$TMPD/golden.tty" || fail "golden plan failed"
diff -u effects.out "$TMPD/golden.tty" || fail "the plan differs from tests/plan/effects.out"
$PY - "$top_srcdir/docs/rbc.plan-1.schema.json" "$TMPD/plan.json" <<'EOF' ||
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
s = doc['summary']
assert (s['read'], s['change'], s['shell'], s['gate']) == (4, 4, 3, 1), s
assert s['conditional_steps'] == 1 and s['budget_ms'] == 540000 and s['rto_ms'] == 600000, s
calls = [a['call'] for p in doc['phases'] for st in p['steps'] for a in st['actions'] if 'call' in a]
assert calls[:3] == ['aws.sns.publish', 'http.post', 'confirm'], calls
assert doc['params']['token'] == '***', doc['params']
EOF
  fail "the plan's json does not validate"
# }====

# {==== exits ====
expect_exit 64 rbc plan effects.rb --param "base=$BASE"                 # marker missing
expect_exit 64 rbc plan effects.rb --param "base=$BASE" --param "marker=$MARK" -f xml
expect_exit 66 rbc plan "$TMPD/no-such.rb"
printf 'runbook "bad" {\n  phase "p" { step "s" { undefined_fn() } }\n}\n' >"$TMPD/bad.rb"
expect_exit 65 rbc plan "$TMPD/bad.rb"
cat >"$TMPD/computed.rb" <<'EOF'
runbook "computed" {
  fn act() { sh "echo hi" }
  phase "p" {
    step "s" {
      let f = act
      f()
    }
  }
}
EOF
set +e
rbc plan "$TMPD/computed.rb" >"$TMPD/computed.out" 2>&1
got=$?
set -e
[ "$got" = 1 ] || fail "a computed call target: exit $got, want 1: $(cat "$TMPD/computed.out")"
grep -q 'Unresolved: 1 call' "$TMPD/computed.out" || fail "the unresolved call is not reported"
# }====

# {==== no secret in any output ====
if grep -l -- "$SECRET" "$TMPD"/plan.* "$TMPD"/golden.tty "$TMPD"/computed.out; then
  fail "the secret's value is in a plan output"
fi
grep -q 'env = {TOKEN: \*\*\*}' "$TMPD/plan.tty" || fail "the secret env is not shown masked"
# }====

exit 0
