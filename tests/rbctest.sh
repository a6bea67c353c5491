#!/bin/sh
# tests/rbctest.sh: `rbc test`, the scenario runner (docs/testing.md).
#
# The shipped runbooks' scenarios pass; a scenario with a wrong expectation
# fails with a message naming the expectation; a call the scenario does not
# describe fails the scenario (also when the runbook tolerated the failure);
# malformed scenarios are refused with file:line:col and exit 65; missing
# ones exit 66; TAP and JUnit outputs are well formed; --update-tested
# writes the date through the formatter (comments kept) only when every
# scenario passed; a secret param never reaches any output; and nothing
# reaches the network (an HTTP server on 127.0.0.1 sees no request).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

R=$top_srcdir/runbooks
cd "$TMPD" || exit 99

# {==== the shipped scenarios ====
for rb in demo payments-api payments-api-rollback; do
  [ -d "$R/$rb.scenarios" ] || continue
  rbc test "$R/$rb.rb" >"out-$rb" 2>&1 || { cat "out-$rb"; fail "$rb: shipped scenarios fail"; }
  grep -q ' 0 failed' "out-$rb" || fail "$rb: no summary line"
done
# secrets (a secret param, an SSM SecureString value) never reach an output
rbc test -v --report-junit j.xml "$R/payments-api.rb" >out-secret 2>&1 ||
  fail "payments-api -v failed"
if [ -d "$R/payments-api-rollback.scenarios" ]; then
  rbc test -v "$R/payments-api-rollback.rb" >>out-secret 2>&1 || fail "rollback -v failed"
fi
if grep -l -e 's3cr3t-sentinel' -e 'tok-sentinel-8842' -e 'cfg-v4' out-secret j.xml; then
  fail "a secret reached an output"
fi
# }====

# {==== a small runbook ====
cat >mini.rb <<'EOF'
runbook "mini" {
  owner  "team-test"
  rto    2m
  tested "2026-01-01"   # keep this comment
  param host = "svc.test"
  phase "Act" within 1m {
    step "Restart" {
      confirm "Restart ${host}?"
      let r = sh("systemctl restart app")
      log r.stdout
      aws.ecs.update_service(cluster: "prod", service: "app", forceNewDeployment: true)
    }
    step "Health" {
      retry 3 every 10s {
        assert http 200 "http://${host}/health"
      }
    }
  }
}
EOF
cat >ok.json <<'EOF'
{
  "confirm": true,
  "sh": [ { "match": "systemctl restart *", "stdout": "done\n" } ],
  "aws": [ { "op": "ecs.update_service", "args": { "cluster": "prod" },
             "reply": { "service": { "status": "ACTIVE" } } } ],
  "http": [ { "match": "GET http://svc.test/health",
              "replies": [ { "status": 503, "times": 2 }, { "status": 200 } ] } ],
  "expect": { "exit": 0, "steps": { "Restart": "pass", "Health": "pass" },
              "calls": [ { "http": "GET http://svc.test/health", "times": 3 },
                         { "aws": "ecs.update_service", "times": 1,
                           "args": { "forceNewDeployment": true } } ],
              "within_rto": true, "min_time": "20s", "max_time": "20s" }
}
EOF
rbc test mini.rb ok.json >out 2>&1 || { cat out; fail "ok.json should pass"; }
grep -q '^ok    ok  (20s virtual, 6 calls, exit 0)$' out || { cat out; fail "ok line"; }

# a wrong expectation fails, naming it, with exit 1
sed 's/"Health": "pass"/"Health": "fail"/; s/"times": 3/"times": 4/' ok.json >wrong.json
expect_exit 1 rbc test mini.rb wrong.json >out 2>&1
grep -q '^FAIL  wrong ' out || { cat out; fail "no FAIL line"; }
grep -q 'step "Health": expected fail, got pass' out || { cat out; fail "step message"; }
grep -q 'calls: http "GET http://svc.test/health": expected 4 time(s), got 3' out ||
  { cat out; fail "calls message"; }

# the health check never answers: the step fails, the reason is shown
sed 's/{ "status": 200 }/{ "error": "refused" }/' wrong.json >refused.json
expect_exit 1 rbc test mini.rb refused.json >out 2>&1
grep -q 'exit code: expected 0, got 1' out || { cat out; fail "refused: exit message"; }
sed 's/{ "status": 200 }/{ "error": "refused" }/; s/"exit": 0/"exit": 1, "diagnostics": ["RB5001", "RB5004"]/;
     s/"Health": "pass"/"Health": "fail"/; s/"min_time": "20s", "max_time": "20s"/"max_time": "1m"/' \
  ok.json >refused-ok.json
rbc test mini.rb refused-ok.json >out 2>&1 || { cat out; fail "refused-ok should pass"; }

# an unmatched call fails the scenario with the call shown
sed 's|"match": "GET http://svc.test/health"|"match": "GET http://other.test/*"|' ok.json >unmatched.json
expect_exit 1 rbc test mini.rb unmatched.json >out 2>&1
grep -q 'unmatched call: http GET http://svc.test/health (RB5060' out || { cat out; fail "unmatched"; }
# ... and a confirm the scenario does not answer
sed 's/"confirm": true,//' ok.json >noconfirm.json
expect_exit 1 rbc test mini.rb noconfirm.json >out 2>&1
grep -q 'unmatched call: confirm Restart svc.test?' out || { cat out; fail "unmatched confirm"; }
# an AWS call whose args do not match the rule's is unmatched too
sed 's/"cluster": "prod"/"cluster": "staging"/' ok.json >otherargs.json
expect_exit 1 rbc test mini.rb otherargs.json >out 2>&1
grep -q 'unmatched call: aws ecs.update_service' out || { cat out; fail "unmatched aws args"; }
# an unmatched call fails the scenario even when the runbook tolerates the failure
cat >tolerant.rb <<'EOF'
runbook "tolerant" {
  owner "team-test"
  phase "p" {
    step "probe" {
      let r = sh("curl -fsS http://x.test/ || true", check: false)
      log r.code
    }
  }
}
EOF
cat >tolerant.json <<'EOF'
{ "expect": { "exit": 1 } }
EOF
expect_exit 1 rbc test tolerant.rb tolerant.json >out 2>&1
grep -q 'unmatched call: sh curl -fsS http://x.test/ || true' out || { cat out; fail "tolerated"; }

# env(): a scenario with "env" answers every read, whatever the real environment
cat >envrb.rb <<'EOF'
runbook "envrb" {
  owner "team-test"
  param who = env("RBC_TEST_WHO", "nobody")
  phase "p" {
    step "greet" {
      sh "greet ${who} ${env("HOME", "no-home")}"
    }
  }
}
EOF
printf '{ "env": { "RBC_TEST_WHO": "alice" },\n  "sh": [ { "match": "greet alice no-home" } ] }\n' >env.json
RBC_TEST_WHO=mallory rbc test envrb.rb env.json >out 2>&1 || { cat out; fail "env"; }
printf '{ "sh": [ { "match": "greet mallory *" } ] }\n' >realenv.json
RBC_TEST_WHO=mallory rbc test envrb.rb realenv.json >out 2>&1 || { cat out; fail "real env"; }

# nothing reaches the network: a real server on 127.0.0.1 sees no request
PORT_FILE=$TMPD/port
python3 -c '
import http.server, socketserver, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        open(sys.argv[1] + ".hit", "w").write("hit")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()' "$PORT_FILE" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMPD"' EXIT
i=0
while [ ! -s "$PORT_FILE" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$PORT_FILE" ] || fail "the test HTTP server did not start"
PORT=$(cat "$PORT_FILE")
sed "s|http://svc.test/health|http://127.0.0.1:$PORT/health|g; s|\"host\": *\"svc.test\"||" ok.json |
  sed "s|\"confirm\": true,|\"confirm\": true, \"params\": {\"host\": \"127.0.0.1:$PORT\"},|" >local.json
rbc test mini.rb local.json >out 2>&1 || { cat out; fail "local.json should pass"; }
[ ! -e "$PORT_FILE.hit" ] || fail "rbc test reached the network"
# }====

# {==== --record: a real run's journal becomes a scenario that replays ====
cat >rec.rb <<'EOF'
runbook "rec" {
  owner "team-test"
  param base : string
  phase "p" {
    step "restart" {
      confirm "Restart?"
      sh "true"
    }
    step "health" {
      retry 5 every 1s {
        assert http 200 "${base}/health"
      }
    }
  }
}
EOF
python3 -c '
import http.server, socketserver, sys
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        n[0] += 1
        self.send_response(503 if n[0] < 3 else 200); self.end_headers()
    def log_message(self, *a): pass
s = socketserver.TCPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()' "$TMPD/port2" &
SRV2=$!
trap 'kill $SRV $SRV2 2>/dev/null; rm -rf "$TMPD"' EXIT
i=0
while [ ! -s "$TMPD/port2" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$TMPD/port2" ] || fail "the second test HTTP server did not start"
rbc run rec.rb --yes --clock virtual --journal-dir jd -f plain \
  --param "base=http://127.0.0.1:$(cat "$TMPD/port2")" >out 2>&1 || { cat out; fail "rec run"; }
rbc test rec.rb --record "$(ls jd/*.jsonl)" -o recorded.json || fail "--record"
python3 - recorded.json <<'EOF' || fail "recorded scenario"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["confirm"] == [{"match": "Restart\\?", "answer": True}], s["confirm"]
assert [r.get("status") for r in s["http"][0]["replies"]] == [503, 503, 200], s["http"]
assert s["expect"]["exit"] == 0 and s["expect"]["steps"] == {"restart": "pass", "health": "pass"}
EOF
rbc test rec.rb recorded.json >out 2>&1 || { cat out; fail "the recorded scenario does not replay"; }
expect_exit 66 rbc test rec.rb --record jd/nosuch.jsonl >/dev/null 2>&1
# }====

# {==== malformed scenarios: exit 65 with file:line:col ====
printf '{\n  "http": [\n    { "match": "GET x", "status": 200 },\n  ]\n}\n' >syntax.json
expect_exit 65 rbc test mini.rb syntax.json >out 2>&1
grep -q '^error\[RB5061\]: syntax.json:4:3: ' out || { cat out; fail "syntax position"; }
grep -q 'nothing was run' out || fail "syntax: nothing was run"
printf '{\n  "http": [\n    { "match": "GET x",\n      "statu": 200 }\n  ]\n}\n' >member.json
expect_exit 65 rbc test mini.rb member.json >out 2>&1
grep -q '^error\[RB5061\]: member.json:4:7: http\[0\]: unknown member "statu"$' out ||
  { cat out; fail "unknown member position"; }
printf '{ "http": [ { "match": "GET x",\n  "replies": [ { "status": 200 }, { "status": "ok" } ] } ] }\n' \
  >type.json
expect_exit 65 rbc test mini.rb type.json >out 2>&1
grep -q '^error\[RB5061\]: type.json:2:37: http\[0\].replies\[1\].status: expected an integer from 100 to 599$' out ||
  { cat out; fail "bad status position"; }
printf '{ "expect": { "steps": { "Health": "passed" } } }\n' >status.json
expect_exit 65 rbc test mini.rb status.json >out 2>&1
grep -q 'expect.steps."Health": expected pass, fail' out || { cat out; fail "bad step status"; }
printf '{ "aws": [ { "op": "update_service", "reply": {} } ] }\n' >op.json
expect_exit 65 rbc test mini.rb op.json >out 2>&1
grep -q 'aws\[0\].op: expected "service.operation"' out || { cat out; fail "bad op"; }
printf '{\n  \000 }\n' >nul.json
expect_exit 65 rbc test mini.rb nul.json >out 2>&1
grep -q '^error\[RB5061\]: nul.json:2:3: a NUL byte' out || { cat out; fail "NUL byte"; }
printf '{ "a": 1,\n  "a": 2 }\n' >dup.json
expect_exit 65 rbc test mini.rb dup.json >out 2>&1
grep -q '^error\[RB5061\]: dup.json:2:.*duplicate object key' out || { cat out; fail "duplicate key"; }
mkdir adir.json
expect_exit 66 rbc test mini.rb adir.json >out 2>&1
grep -q 'adir.json: Is a directory' out || { cat out; fail "directory"; }
printf '[1, 2]\n' >array.json
expect_exit 65 rbc test mini.rb array.json >out 2>&1
grep -q 'a scenario must be a JSON object' out || { cat out; fail "array"; }
# every invalid file is reported, the valid ones are not run
expect_exit 65 rbc test mini.rb ok.json syntax.json member.json >out 2>&1
[ "$(grep -c '^error\[RB5061\]' out)" = 2 ] || { cat out; fail "both errors"; }
if grep -q '^ok ' out; then fail "a scenario ran although another was invalid"; fi
# missing inputs: 66; usage: 64; a runbook with errors: 65
expect_exit 66 rbc test mini.rb nosuch.json >/dev/null 2>&1
expect_exit 66 rbc test mini.rb >out 2>&1
grep -q 'no scenarios for mini.rb: mini.scenarios' out || { cat out; fail "no default scenarios"; }
expect_exit 66 rbc test nosuch.rb ok.json >/dev/null 2>&1
expect_exit 64 rbc test >/dev/null 2>&1
expect_exit 64 rbc test -f xml mini.rb ok.json >/dev/null 2>&1
printf 'runbook "bad" {\n  phase "p" { step "s" { assert nosuch == 1 } }\n}\n' >bad.rb
expect_exit 65 rbc test bad.rb ok.json >/dev/null 2>&1
# default scenarios: NAME.scenarios/*.json
mkdir mini.scenarios
cp ok.json mini.scenarios/a.json
cp wrong.json mini.scenarios/b.json
expect_exit 1 rbc test mini.rb >out 2>&1
grep -q '^2 scenarios: 1 passed, 1 failed' out || { cat out; fail "default scenarios"; }
# }====

# {==== TAP and JUnit ====
expect_exit 1 rbc test -f tap --report-junit junit.xml mini.rb ok.json wrong.json >tap.out 2>&1
head -2 tap.out | tr '\n' '|' | grep -q '^TAP version 13|1\.\.2|$' || { cat tap.out; fail "TAP header"; }
grep -q '^ok 1 - ok$' tap.out || { cat tap.out; fail "TAP ok"; }
grep -q '^not ok 2 - wrong$' tap.out || { cat tap.out; fail "TAP not ok"; }
grep -q '^  ---$' tap.out || { cat tap.out; fail "TAP YAML block start"; }
grep -q '^  \.\.\.$' tap.out || { cat tap.out; fail "TAP YAML block end"; }
# and Perl's own TAP parser (the one `prove` uses) reads it without complaint
if perl -MTAP::Parser -e 1 2>/dev/null; then
  perl -MTAP::Parser -e '
    local $/; open my $f, "<", $ARGV[0] or die; my $t = <$f>;
    my $p = TAP::Parser->new({tap => $t}); while (my $r = $p->next) {}
    my @e = $p->parse_errors; die "parse errors: @e\n" if @e;
    die "counts\n" unless $p->tests_run == 2 && scalar($p->failed) == 1;' tap.out ||
    fail "TAP::Parser"
fi
python3 - junit.xml <<'EOF' || fail "JUnit report"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1", root.attrib
cases = root.findall("./testsuite/testcase")
assert [c.get("name") for c in cases] == ["ok", "wrong"], cases
assert cases[0].find("failure") is None
f = cases[1].find("failure")
assert f is not None and f.get("type") == "RB5062"
assert 'step "Health": expected fail, got pass' in f.text, f.text
assert float(cases[0].get("time")) == 20.0
out = cases[1].find("system-out")
assert out is not None and 'step 2/2 "Health"' in out.text, out
EOF
expect_exit 73 rbc test --report-junit "$TMPD/nodir/j.xml" mini.rb ok.json >/dev/null 2>&1
# }====

# {==== --update-tested ====
cp mini.rb up.rb
RBC_TODAY=2026-11-27 expect_exit 1 rbc test --update-tested up.rb ok.json wrong.json >out 2>&1
grep -q 'tested "2026-01-01"' up.rb || fail "--update-tested changed the file after a failure"
chmod 640 up.rb
RBC_TODAY=2026-11-27 rbc test --update-tested up.rb ok.json >out 2>&1 || { cat out; fail "update"; }
grep -q 'tested "2026-11-27"' up.rb || { cat up.rb; fail "tested not updated"; }
[ "$(stat -c %a up.rb)" = 640 ] || fail "--update-tested changed the runbook's mode: $(stat -c %a up.rb)"
grep -q '# keep this comment' up.rb || fail "the comment was lost"
rbc fmt --check up.rb >/dev/null || fail "the updated runbook is not formatted"
RBC_TODAY=27.11.2026 expect_exit 64 rbc test --update-tested up.rb ok.json >/dev/null 2>&1
# a runbook without `tested` gets one
grep -v 'tested' mini.rb >untested.rb
RBC_TODAY=2026-11-28 rbc test --update-tested untested.rb ok.json >out 2>&1 || { cat out; fail "add"; }
grep -q 'tested "2026-11-28"' untested.rb || { cat untested.rb; fail "tested not added"; }
# }====

exit 0
