#!/bin/sh
# scripts/demo.sh: build rbc (scripts/setup.sh) and show it at work.
#
# usage: scripts/demo.sh                        the rollback demo (below)
#        scripts/demo.sh RUNBOOK [RUN-ARGS...]  check, run and disassemble RUNBOOK
#                                               (e.g. runbooks/demo.rb, the toy
#                                               restart: --param service=toy-api --yes)
#
# The rollback demo runs the whole rollback procedure of the payments API
# (runbooks/payments-api-rollback.rb, the rollback template as a runbook)
# against local stand-ins, in about ten seconds, without network or AWS
# account:
#   - a sample service on 127.0.0.1 (tests/servers/sample_service.py) whose
#     health check fails three times, then recovers;
#   - a local AWS endpoint (tests/servers/fake_aws.py) seeded with the
#     component's world (demo/payments-api.seed.json: an ECS service on a new
#     task definition with the previous one registered, a target group, an SSM
#     SecureString parameter with its previous version, an AppConfig app, SNS
#     topics, an RDS cluster, an S3 bucket), verifying every request's SigV4
#     signature with botocore.
# It checks the runbook, runs it (live progress on a terminal, one line per
# event otherwise), samples the post-rollback monitors for a minute, prints
# the report from the run's journal, then what the endpoint now holds.
# Waits run on the virtual clock (--clock virtual): the 30s pauses between
# health checks are simulated, every HTTP and AWS request is real.
# RBC=/path/to/rbc uses that binary and skips the setup and the build.
# Exits non-zero, naming the command, if the build or a command fails.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

# RBC=/path/to/rbc: use that binary, without the setup and build
if [ -n "${RBC:-}" ]; then
  rbc=$RBC
else
  "$top/scripts/setup.sh"
  rbc=$top/build/rbc
fi
cd "$top"

# step TITLE CMD...: print a banner, run CMD, stop the demo if it fails.
step() {
  title=$1
  shift
  printf '\n=== %s\n$ %s\n' "$title" "rbc $*"
  set +e
  "$rbc" "$@"
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "demo: error: 'rbc $*' exited with status $rc" >&2
    exit "$rc"
  fi
}

if [ $# -gt 0 ]; then
  runbook=$1
  shift
  [ -f "$runbook" ] || { echo "demo: error: no runbook at $runbook" >&2; exit 1; }
  # The toy demo's secret comes from the environment; the run shows it as ***.
  RBC_DEMO_TOKEN=${RBC_DEMO_TOKEN:-demo-token-from-the-environment}
  export RBC_DEMO_TOKEN
  step "check: lint the runbook" check --disable stale-runbook "$runbook"
  step "run: execute it for real" run "$runbook" "$@"
  listing=${TMPDIR:-/tmp}/rbc-demo-disasm.$$
  printf '\n=== disasm: the bytecode behind it (first 12 lines)\n$ rbc disasm %s\n' "$runbook"
  "$rbc" disasm "$runbook" >"$listing" || {
    rm -f "$listing"
    echo "demo: error: 'rbc disasm $runbook' failed" >&2
    exit 1
  }
  head -n 12 "$listing"
  echo "... ($(wc -l <"$listing") lines; 'rbc compile' writes the bytecode to a .rbx file)"
  rm -f "$listing"
  printf '\ndemo: done\n'
  exit 0
fi

# {==== the rollback demo ====

runbook=runbooks/payments-api-rollback.rb
PY=/usr/bin/python3
"$PY" -c 'import botocore' 2>/dev/null || {
  echo "demo: error: the local AWS endpoint needs python3-botocore (scripts/setup.sh installs it)" >&2
  exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/rbc-demo.XXXXXX")
# fakeaws.sh keeps its files in $TMPD and finds fake_aws.py from $top_srcdir
# shellcheck disable=SC2034
TMPD=$work
# shellcheck disable=SC2034
top_srcdir=$top
# shellcheck source=tests/servers/fakeaws.sh
. "$top/tests/servers/fakeaws.sh"
svc_pid=
cleanup() {
  fake_aws_stop
  [ -z "$svc_pid" ] || kill "$svc_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

printf '\n=== the stand-ins\n'
fake_aws_start --seed demo/payments-api.seed.json --settle-polls 2 || {
  echo "demo: error: the local AWS endpoint did not start" >&2
  exit 1
}
"$PY" tests/servers/sample_service.py --port-file "$work/svc.port" --fail-health 3 \
  --parent-pid $$ >"$work/svc.log" 2>&1 &
svc_pid=$!
i=0
while [ ! -s "$work/svc.port" ]; do
  i=$((i + 1))
  [ $i -lt 200 ] || { echo "demo: error: the sample service did not start" >&2; exit 1; }
  sleep 0.05
done
lb_dns=127.0.0.1:$(cat "$work/svc.port")
fake_aws_env
# the deployment being rolled back migrated the database (so the database
# branch runs), and the first ECS rollout gets stuck (so its troubleshoot,
# a forced new deployment, repairs it)
fake_aws_ctl POST seed '{"ecs": {"clusters": {"prod": {"services": {"payments-api":
  {"taskDefinition": "payments-api:41", "desiredCount": 2, "failDeployments": 1}}}}}}' >/dev/null
DEPLOYMENT_ID=deploy-0042
export DEPLOYMENT_ID
mkdir -p "$work/markers/deployment_$DEPLOYMENT_ID"
: >"$work/markers/deployment_$DEPLOYMENT_ID/db_migrated"
echo "sample service  http://$lb_dns  (health: 503 three times, then 200)"
echo "AWS endpoint    $FAKE_AWS_URL  (ECS, ELBv2, SSM, AppConfig, SNS, RDS, S3, CloudWatch)"
echo "deployment      $DEPLOYMENT_ID migrated the database; its ECS rollout will stick once"

# the incident tool's token: from the environment, shown only as ***
INCIDENT_TOKEN=${INCIDENT_TOKEN:-demo-incident-token}
INCIDENT_DIR=$work/incidents
ROLLBACK_STATE_DIR=$work/state
export INCIDENT_TOKEN INCIDENT_DIR ROLLBACK_STATE_DIR
mkdir -p "$work/state" "$work/journal"

# (--disable stale-runbook: the demo must not stop once the runbook's review
# date has passed; a real runbook past it gets warning RB4002)
step "check: lint the runbook with the strictest profile" \
  check --profile production --disable stale-runbook "$runbook"
step "run: the whole rollback against the stand-ins" \
  run "$runbook" --params-file demo/payments-api.params.json --param "lb_dns=$lb_dns" \
  --param "marker_dir=$work/markers" \
  --yes --clock virtual --journal-dir "$work/journal" --monitor 1m --monitor-interval 30s

journal=
for f in "$work"/journal/*.jsonl; do
  [ -f "$f" ] && journal=$f
done
if "$rbc" help report >/dev/null 2>&1 && [ -n "$journal" ]; then
  step "report: the run's timeline, from its journal" report "$journal"
else
  printf '\n=== report\n(rbc report is not built yet: the run summary above is the report)\n'
fi

printf '\n=== the endpoint afterwards\n'
fake_aws_ctl GET state | "$PY" -c '
import json, sys
st = json.load(sys.stdin)
svc = st["ecs"]["clusters"]["prod"]["services"]["payments-api"]
print("ECS service      ", svc["taskDefinition"].rpartition("/")[2],
      "(" + svc["deployments"][0]["rolloutState"] + ")")
tg = next(iter(st["elbv2"]["targetGroups"].values()))
print("target group     ", ", ".join(t["Id"] for t in tg["targets"]) or "(empty)")
p = st["ssm"]["parameters"]["/app/prod/payments-api/config"]
print("SSM parameter     version", p[-1]["Version"], p[-1]["Type"],
      "(same value as version 1)" if p[-1]["Value"] == p[0]["Value"] else "(CHANGED)")
objs = sorted(k for k in st["s3"]["buckets"]["ops-backups"]["objects"] if k.startswith("incidents/"))
print("S3 archive       ", "\n                  ".join(objs))
'
fake_aws_ctl GET stats | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
print("AWS requests      %d, signatures verified %d, rejected %d" %
      (s["requests"], s["verified"], s["rejected"]))'
printf '\ndemo: done (the toy restart demo: scripts/demo.sh runbooks/demo.rb --param service=toy-api --yes)\n'

# }====
