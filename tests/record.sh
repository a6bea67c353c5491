#!/bin/sh
# tests/record.sh: record and replay (docs/testing.md "Recording", docs/journal.md
# "action exports").  A real run talks to the local AWS endpoint
# (tests/servers/fake_aws.py), an HTTP server (tests/servers/httpd.py) and
# /bin/sh, and branches on what they answered: an ECS deployment polled until
# it settles, an AWS error code, a JSON body whose field becomes a command's
# argument, a command's output and exit code, an SSM SecureString.  Its
# journal's action events carry the exports a replay needs; `rbc test
# --record` turns them into a scenario; with every server stopped, `rbc test`
# replays it: the same steps' outcomes, the same calls (expect.calls), the
# same values logged.  A secret (a secret param, sent in a header, through
# env: and stored as a SecureString) appears in no journal, no scenario and
# no output; it is replayed as "recorded-secret".  Also: exports are bounded
# (a 200 KB body is cut at 64 KiB and marked).  Skipped (77) without python3-botocore.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

PY=/usr/bin/python3
"$PY" -c 'import botocore' 2>/dev/null || skip "python3-botocore is not installed"
cd "$TMPD" || exit 99

SECRET=tok-rec-sentinel-5521
HPID=
cleanup() {
  [ -z "$HPID" ] || kill "$HPID" 2>/dev/null || true
  fake_aws_stop
  [ -n "${KEEP:-}" ] || rm -rf "$TMPD"
}
. "$top_srcdir/tests/servers/fakeaws.sh"
trap cleanup EXIT

cat >seed.json <<'EOF'
{ "ecs": {"clusters": {"prod": {"services": {"payments": {"taskDefinition": "payments:41"}}}}} }
EOF
fake_aws_start --seed seed.json --settle-polls 2 || fail "the AWS endpoint did not start"
fake_aws_env
"$PY" "$top_srcdir/tests/servers/httpd.py" --port-file http.port --log http.log \
  --lifetime 300 >/dev/null 2>http.err &
HPID=$!
i=0
while [ ! -s http.port ]; do
  i=$((i + 1))
  [ $i -lt 200 ] || fail "httpd.py did not start: $(cat http.err)"
  sleep 0.05
done
BASE="http://127.0.0.1:$(cat http.port)"

cat >rec.rb <<'EOF'
runbook "rec" {
  owner "team-test"
  rto   10m
  param base : string
  secret token = env("REC_TOKEN")
  phase "Look" {
    step "Version" {
      let r = http.get("${base}/json", headers: {Authorization: "Bearer ${token}"})
      log "version ${r.json.version} items ${len(r.json.items)}"
      let out = sh("echo deployed=${r.json.version}; echo note >&2")
      log "sh said ${out.stdout}"
      let big = http.get("${base}/big/200000")
      log "big ${len(big.body)}"
    }
    step "Flaky" {
      retry 3 every 5s {
        assert http 200 "${base}/seq/503,200/flaky"
      }
    }
    step "Probe" {
      let p = sh("exit 3", check: false)
      log "probe code ${p.code}"
      let who = sh("echo \"user=$TOKEN\"", env: {TOKEN: token})
      log "who ${who.stdout}"
      let cut = sh("head -c 65530 /dev/zero | tr '\\0' x; printf '%s' \"$T\"", env: {T: token})
      log "cut ${len(cut.stdout)}"
      let q = http.get("${base}/status/201?key=${token}")
      log "keyed ${q.status} ${q.body}"
    }
  }
  phase "Act" {
    step "Store" {
      aws.ssm.put_parameter(Name: "/rec/token", Value: token, Type: "SecureString",
                            Overwrite: true)
      let v = aws.ssm.get_parameter(Name: "/rec/token", WithDecryption: true).Parameter
      log "stored version ${v.Version}"
    }
    step "Deploy" {
      aws.ecs.update_service(cluster: "prod", service: "payments", forceNewDeployment: true)
      wait until len(aws.ecs.describe_services(cluster: "prod",
                       services: ["payments"]).services[0].deployments) == 1
        every 10s timeout 5m
      let s = aws.ecs.describe_services(cluster: "prod", services: ["payments"]).services[0]
      log "now ${s.taskDefinition} created in ${s.createdAt.year}"
    }
    step "Missing" on failure continue {
      aws.ssm.get_parameter(Name: "/rec/nosuch")
    }
  }
}
EOF

export REC_TOKEN="$SECRET"
rbc run rec.rb --clock virtual --journal-dir jd -f plain --param "base=$BASE" \
  >run.out 2>&1 || { cat run.out; fail "the real run failed"; }
J=$(ls jd/*.jsonl)
[ "$(ls jd/*.jsonl | wc -l)" -eq 1 ] || fail "expected one journal"

# {==== the journal's action exports ====
"$PY" - "$J" "$BASE" <<'EOF' || fail "action exports"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
acts = [e for e in ev if e["type"] == "action"]
assert all("exports" in a for a in acts if a["kind"] in ("http", "aws", "sh")), acts
sh = [a["exports"] for a in acts if a["kind"] == "sh"]
assert sh[0] == {"command": "echo deployed=1.4.2; echo note >&2", "exit": 0,
                 "stdout": "deployed=1.4.2\n", "stderr": "note\n"}, sh[0]
assert sh[1]["exit"] == 3 and sh[1]["command"] == "exit 3", sh[1]
assert sh[2]["stdout"] == "user=***\n", sh[2]
# a cut never splits a secret (its first bytes would escape the scrubbing)
assert len(sh[3]["stdout"]) == 65530 and sh[3]["stdout_truncated"] is True, len(sh[3]["stdout"])
http = [a["exports"] for a in acts if a["kind"] == "http"]
assert http[0]["method"] == "GET" and http[0]["url"] == sys.argv[2] + "/json", http[0]
assert http[0]["status"] == 200 and http[0]["content_type"].startswith("application/json"), http[0]
assert json.loads(http[0]["body"])["version"] == "1.4.2", http[0]
assert http[1]["body_truncated"] is True and len(http[1]["body"]) == 65536, len(http[1]["body"])
assert [h["status"] for h in http[2:]] == [503, 200, 201], http[2:]
assert http[4]["url"] == "***" and http[4]["secret"] is True, http[4]
aws = [a["exports"] for a in acts if a["kind"] == "aws"]
put = aws[0]
assert put["service"] == "ssm" and put["operation"] == "put_parameter", put
assert put["args"]["Value"] == "***" and put["args"]["Name"] == "/rec/token", put
assert aws[1]["reply"]["Parameter"]["Value"] == "***", aws[1]
upd = [a for a in aws if a["operation"] == "update_service"][0]
assert upd["args"]["forceNewDeployment"] is True, upd
assert upd["reply"]["service"]["serviceName"] == "payments", upd
err = aws[-1]["error"]
assert err["code"] == "ParameterNotFound" and err["status"] == 400, err
assert "reply" not in aws[-1]
EOF
# }====

# {==== record, then replay with every server stopped ====
rbc test rec.rb --record "$J" -o rec.json || fail "--record"
"$PY" - rec.json <<'EOF' || fail "the recorded scenario"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["params"]["token"] == "recorded-secret", s["params"]
sh = {r["match"]: r["replies"] for r in s["sh"]}
assert sh["exit 3"] == [{"exit": 3}], sh
assert sh["echo deployed=1.4.2; echo note >&2"][0]["stdout"] == "deployed=1.4.2\n", sh
assert sh['echo "user=$TOKEN"'][0]["stdout"] == "user=recorded-secret\n", sh
aws = {r["op"]: r["replies"] for r in s["aws"]}
ds = aws["ecs.describe_services"]
assert len(ds) >= 3 and len(ds[0]["reply"]["services"][0]["deployments"]) == 2, ds
assert len(ds[-1]["reply"]["services"][0]["deployments"]) == 1, ds
gp = aws["ssm.get_parameter"]
assert gp[0]["reply"]["Parameter"]["Value"] == "recorded-secret", gp
assert gp[1]["error"] == "ParameterNotFound" and gp[1]["status"] == 400, gp
http = {r["match"]: r["replies"] for r in s["http"]}
assert s["http"][-1]["match"] == "GET *", s["http"]        # the secret URL, last
assert s["http"][-1]["replies"][0]["body"] == "status 201", s["http"]
assert not [c for c in s["expect"]["calls"] if c.get("http") in ("GET *",)], s["expect"]
j = [v for k, v in http.items() if k.endswith("/json")][0]
assert j[0]["status"] == 200 and json.loads(j[0]["body"])["count"] == 3, j
assert j[0]["content_type"].startswith("application/json"), j
calls = {(c.get("aws") or c.get("http") or c.get("sh")): c["times"] for c in s["expect"]["calls"]}
assert calls["ecs.update_service"] == 1 and calls["exit 3"] == 1, calls
assert s["expect"]["steps"]["Missing"] == "error" and s["expect"]["exit"] == 0, s["expect"]
EOF
fake_aws_stop
kill "$HPID" 2>/dev/null || true
wait "$HPID" 2>/dev/null || true
HPID=
unset REC_TOKEN
rbc test -v rec.rb rec.json >replay.out 2>&1 || { cat replay.out; fail "the replay fails"; }
grep -q '^ok    rec\.json\|^ok    recorded-' replay.out || { cat replay.out; fail "no ok line"; }
# the values the runbook read from its replies are the same
grep -o 'version 1.4.2 items 2\|sh said deployed=1.4.2\|probe code 3\|who user=\|keyed 201 status 201\|stored version [0-9]*\|task-definition/payments:41 created in 20[0-9][0-9]' \
  run.out >seen.run || true
grep -o 'version 1.4.2 items 2\|sh said deployed=1.4.2\|probe code 3\|who user=\|keyed 201 status 201\|stored version [0-9]*\|task-definition/payments:41 created in 20[0-9][0-9]' \
  replay.out >seen.replay || true
[ "$(wc -l <seen.run)" -eq 7 ] || { cat run.out; fail "the run did not log what it read"; }
diff seen.run seen.replay >/dev/null || { diff seen.run seen.replay; fail "the replay read other values"; }
# a recorded reply the runbook acts on is really used: another version in the
# /json body builds another command line, which the scenario does not describe
sed 's/\\"1\.4\.2\\"/\\"1.4.3\\"/' rec.json >wrong.json
cmp -s rec.json wrong.json && fail "sed did not change the scenario"
expect_exit 1 rbc test rec.rb wrong.json >wrong.out 2>&1
grep -q 'unmatched call: sh echo deployed=1.4.3' wrong.out || { cat wrong.out; fail "wrong.json"; }
# }====

# {==== the secret reached no journal, scenario nor output ====
if grep -rl -e "$SECRET" -e "x${SECRET%%-*}" jd rec.json run.out replay.out; then
  fail "the secret reached a journal, the scenario or an output"
fi
# }====

exit 0
