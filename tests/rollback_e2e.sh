#!/bin/sh
# tests/rollback_e2e.sh: the full rollback runbook
# (runbooks/payments-api-rollback.rb) end to end against the local
# stand-ins, on the virtual clock (its 30s and 5s pauses take no time; every
# HTTP and AWS request is real):
#   - the sample service (tests/servers/sample_service.py), whose health
#     fails three times, then recovers;
#   - the local AWS endpoint (tests/servers/fake_aws.py) seeded with the
#     component's world (demo/payments-api.seed.json), which verifies every
#     request's SigV4 signature with botocore.
# Run 1: the database branch taken (migration marker present: RDS change,
# then the migration task), the ECS rollout stuck once and repaired by the
# "Rollback stuck in progress" troubleshoot (the step reported recovered),
# the checklists (verified items pass, manual ones unconfirmed under --yes),
# `--monitor` sampling every monitor as normal, and `rbc report`'s timeline.
# Run 2: a fresh world, no marker: the database branch skipped, the rollout
# settles at once, the Auto Scaling variant taken (asg_name given); every
# step passes, then the queue-depth monitor alerts (exit 1, RB5051).
# Run 3: without --yes nor a terminal the run halts at its confirm gate
# (exit 2) before the load balancer is touched; `rbc resume --yes` ends it
# without repeating the incident or the notification.
# After each run the endpoint's final state is checked: target deregistered
# (the other kept), deregistration delay 0, service on the previous task
# definition with one completed deployment, parameter reverted to the
# previous value as a SecureString, AppConfig on the previous version, state
# files archived to S3 and removed locally, both SNS topics told, the
# incident resolved, every request signature-verified.
# Then: two troubleshoot procedures on demand (--troubleshoot); `rbc watch
# --once` quiet on healthy CloudWatch series, then firing the error-rate
# trigger with its monitor in alert; scripts/demo.sh (the README's first
# command; not under valgrind).  No secret (incident token, SSM values, AWS
# key) in any output, report or journal.
# Also: `rbc check` of every runbook in runbooks/ is clean (strict; the
# rollback runbook, the demo and the stdlib under production, the
# strictest), and docs/examples/payments-api-rollback.md is what `rbc doc`
# makes of the runbook.  Skipped (77) without python3-botocore.
# KEEP=1 keeps the outputs.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

PY=/usr/bin/python3
"$PY" -c 'import botocore' 2>/dev/null || skip "python3-botocore is not installed"

runbook=$top_srcdir/runbooks/payments-api-rollback.rb
seed=$top_srcdir/demo/payments-api.seed.json
params=$top_srcdir/demo/payments-api.params.json
token='incident-token-sentinel-5521'
aws_secret='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
unset CI RBC_LIB_PATH DEPLOYMENT_ID 2>/dev/null || true

# {==== static: lint and document ====

cd "$top_srcdir"
# no finding at all (style included; the date pinned for the freshness rule,
# RB4002): every runbook and the stdlib under the strict profile and under
# production, the strictest
lint() {
  set +e
  RBC_TODAY=2026-11-27 rbc check --profile "$1" -S style --fail-on style "$2" >"$TMPD/check" 2>&1
  st=$?
  set -e
  [ "$st" -eq 0 ] || { cat "$TMPD/check" >&2; fail "rbc check --profile $1 $2: exit $st"; }
  [ ! -s "$TMPD/check" ] || { cat "$TMPD/check" >&2; fail "rbc check --profile $1 $2 said something"; }
}
for f in runbooks/*.rb stdlib/lib/*.rb; do
  lint strict "$f"
  lint production "$f"
done
rbc doc runbooks/payments-api-rollback.rb >"$TMPD/doc.md"
cmp -s docs/examples/payments-api-rollback.md "$TMPD/doc.md" || {
  diff docs/examples/payments-api-rollback.md "$TMPD/doc.md" | head -20 >&2
  fail "docs/examples/payments-api-rollback.md is not what rbc doc makes of the runbook" \
    "(regenerate: rbc doc $runbook -o docs/examples/payments-api-rollback.md)"
}
# it reads like the template, filled in: the template's sections, in order
"$PY" - "$TMPD/doc.md" <<'PY' || fail "the rollback document lacks a section of the template"
import sys
doc = open(sys.argv[1], encoding='utf-8').read()
want = ['# Rollback Procedures - Payments API', '> **Criticality**: HIGH',
        '> **Recovery Point Objective (RPO)**: 5 minutes', '### Emergency Contacts',
        '| Database Admin | C. Lindqvist |', '### Critical Resources',
        '### Automatic Triggers (any of these)', '6. 🔴 Security breach or vulnerability exposed',
        '### Manual Triggers', '### 🔴 Phase 1: Immediate Actions (0-2 minutes)',
        'aws sns publish', 'aws elbv2 deregister-targets', 'aws ecs describe-services',
        'aws cloudwatch get-metric-statistics',
        '### 🔵 Phase 2: Execute Rollback (2-10 minutes)', 'aws rds modify-db-cluster',
        'aws ecs update-service', 'aws autoscaling update-auto-scaling-group',
        'aws ssm put-parameter', '--type "SecureString"', 'aws appconfig start-deployment',
        '### 🔶 Phase 3: Validate Recovery (10-15 minutes)', 'Retry up to 10 times every 30s',
        'http.bench(', '### 📢 Phase 4: Post-Rollback Actions', 's3_archive(',
        '## 📑 Rollback Verification Checklist', '### Application State', '### Data Integrity',
        '### Performance Metrics', '### External Dependencies', '## 🔧 Troubleshooting',
        '#### Issue: Rollback stuck in progress', '#### Issue: Database rollback failed',
        'aws rds restore-db-cluster-from-snapshot', '#### Issue: Configuration mismatch',
        'aws ssm send-command', '## 📊 Metrics to Monitor Post-Rollback',
        '| Queue Depth |', '## 📋 Post-Mortem Template',
        '**Document Status**: [ ] DRAFT [ ] REVIEWED [ ] APPROVED [x] TESTED']
pos = 0
for w in want:
    i = doc.find(w, pos)
    if i < 0:
        print(f'missing or out of order: {w!r}', file=sys.stderr)
        sys.exit(1)
    pos = i + len(w)
PY
echo "ok   runbooks/ clean under the strict and production profiles; the document reproduced"

# }====

# {==== the stand-ins ====

. "$top_srcdir/tests/servers/fakeaws.sh"
fake_aws_start --settle-polls 2 || fail "the local AWS endpoint did not start"
"$PY" "$top_srcdir/tests/servers/sample_service.py" --port-file "$TMPD/svc.port" \
  --fail-health 3 --parent-pid $$ >"$TMPD/svc.log" 2>&1 &
SVC_PID=$!
cleanup() {
  fake_aws_stop
  kill "$SVC_PID" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then
    echo "keeping $TMPD" >&2
  else
    rm -rf "$TMPD"
  fi
}
trap cleanup EXIT
i=0
while [ ! -s "$TMPD/svc.port" ]; do
  i=$((i + 1))
  [ $i -lt 200 ] || fail "the sample service did not start: $(cat "$TMPD/svc.log")"
  sleep 0.05
done
lb_dns=127.0.0.1:$(cat "$TMPD/svc.port")
fake_aws_env

ctl() {
  fake_aws_ctl "$@" >"$TMPD/ctl.out" || fail "fake_aws_ctl $* failed: $(cat "$TMPD/ctl.out")"
}

# world: forget everything, seed the component, re-arm the service's failures
world() {
  ctl POST reset
  ctl POST seed "$(cat "$seed")"
  "$PY" - "$lb_dns" <<'PY' || fail "cannot re-arm the sample service"
import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(f'http://{sys.argv[1]}/__ctl/fail?n=3',
                                              data=b'', method='POST'), timeout=5).read()
PY
}

# run_rollback NAME ARGS...: the whole runbook; output in $TMPD/NAME.out
run_rollback() {
  name=$1
  shift
  mkdir -p "$TMPD/$name.state" "$TMPD/$name.journal"
  set +e
  ROLLBACK_STATE_DIR=$TMPD/$name.state INCIDENT_DIR=$TMPD/$name.incidents \
    INCIDENT_TOKEN=$token rbc run "$runbook" --params-file "$params" \
    --param "lb_dns=$lb_dns" --param max_response=1m --yes --clock virtual -f plain \
    --journal-dir "$TMPD/$name.journal" "$@" >"$TMPD/$name.out" 2>&1
  st=$?
  set -e
}

want() {
  grep -qF -- "$2" "$TMPD/$1.out" || { cat "$TMPD/$1.out" >&2; fail "$1: no '$2' in the output"; }
}

# final_state NAME db|nodb asg|noasg: the endpoint's state after a rollback
final_state() {
  fake_aws_ctl GET state >"$TMPD/$1.state.json"
  fake_aws_ctl GET log >"$TMPD/$1.log.json"
  fake_aws_ctl GET stats >"$TMPD/$1.stats.json"
  "$PY" - "$TMPD/$1" "$2" "$3" <<'PY' || fail "$1: the endpoint's final state is wrong"
import json, sys
base, db, asg = sys.argv[1], sys.argv[2] == 'db', sys.argv[3] == 'asg'
st = json.load(open(base + '.state.json'))
log = json.load(open(base + '.log.json'))
log = log.get('entries', log) if isinstance(log, dict) else log
stats = json.load(open(base + '.stats.json'))
errors = []
def check(cond, what):
    if not cond:
        errors.append(what)

# every request signed and verified, none rejected or unrouted
check(stats['requests'] > 30 and stats['requests'] == stats['verified'], f'stats {stats}')
check(stats['rejected'] == 0 and stats['unrouted'] == 0, f'stats {stats}')
check(all(e['verified'] for e in log), 'a request in the log is not verified')
ops = [e['operation'] for e in log]
def calls(op):
    return [e for e in log if e['operation'] == op]

# target deregistered, the other one kept, delay 0
tg = st['elbv2']['targetGroups']
tg = next(iter(tg.values())) if isinstance(tg, dict) else tg[0]
ids = [t['Id'] for t in tg.get('targets', [])]
check('i-0a1b2c3d4e5f60001' not in ids, f'target still registered: {ids}')
check('i-0a1b2c3d4e5f60002' in ids, f'the other target is gone: {ids}')
check(tg['attributes']['deregistration_delay.timeout_seconds'] == '0', 'delay not 0')

# the service on the previous task definition, one completed deployment
svc = st['ecs']['clusters']['prod']['services']['payments-api']
check(svc['taskDefinition'].endswith('task-definition/payments-api:40'), svc['taskDefinition'])
check(len(svc['deployments']) == 1 and svc['deployments'][0]['rolloutState'] == 'COMPLETED',
      'deployments ' + json.dumps([d['rolloutState'] for d in svc['deployments']]))

# the parameter reverted to version 1's value, as a SecureString
hist = st['ssm']['parameters']['/app/prod/payments-api/config']
check(len(hist) == 3, f'{len(hist)} versions of the parameter')
check(hist[-1]['Value'] == hist[0]['Value'] and hist[-1]['Type'] == 'SecureString',
      'parameter not reverted to version 1 as a SecureString')

# AppConfig: a completed deployment of the previous version
envs = st['appconfig']['applications']['pay1234']['environments']['env1234']
deps = envs['deployments']
check(len(deps) == 1 and deps[0]['State'] == 'COMPLETE'
      and deps[0]['ConfigurationVersion'] == '1', f'appconfig deployments {deps}')

# the state files archived under incidents/INC-0001/
objs = st['s3']['buckets']['ops-backups']['objects']
keys = sorted(k for k in objs if k.startswith('incidents/INC-0001/'))
names = [k.rpartition('/')[2] for k in keys]
need = ['metrics_pre_rollback.json', 'rollback_state_targets.json']
if db:
    need.append('rollback_state_db.json')
check(all(n in names for n in need), f'archived {names}')
check(any(n.startswith('rollback_state_1') for n in names), f'no ECS state archived: {names}')
check(('rollback_state_db.json' in names) == db, f'db state archived: {names}')
for k in keys:
    json.loads(objs[k]['Body'])

# both topics told
topics = st['sns']['topics']
msgs = {a.rpartition(':')[2]: [m['Message'] for m in t.get('messages', [])]
        for a, t in topics.items()}
check(len(msgs.get('payments-oncall', [])) == 1
      and 'Incident: INC-0001' in msgs['payments-oncall'][0], f'sns {msgs}')
check(len(msgs.get('payments-stakeholders', [])) == 1, f'sns {msgs}')

# the database branch: RDS change and the migration task, or neither
mod, run = calls('ModifyDBCluster'), calls('RunTask')
if db:
    check(len(mod) == 1 and str(mod[0]['params'].get('BackupRetentionPeriod')) == '7', 'rds')
    check(len(run) == 1 and 'rollback' in json.dumps(run[0]['params'])
          and '2026.11.2' in json.dumps(run[0]['params']), 'migration task')
else:
    check(not mod and not run, 'the database branch ran without its marker')
# stuck: the update, the troubleshoot's forced deployment, the step's retry
check(ops.count('UpdateService') == (3 if db else 1), f'{ops.count("UpdateService")} updates')

# the Auto Scaling variant (run 2 only): the group back on the previous launch configuration
group = st['autoscaling']['groups']['payments-api-asg']
check(group['LaunchConfigurationName'] == ('payments-api-v40' if asg else 'payments-api-v41'),
      'launch configuration ' + group['LaunchConfigurationName'])
if errors:
    print('\n'.join(errors), file=sys.stderr)
    sys.exit(1)
PY
}

# no_secrets FILE...: the incident token, the SSM values and the AWS key
# never reach an output or a journal
no_secrets() {
  for s in "$token" "$aws_secret" demo-previous-key-not-real demo-broken-key-not-real; do
    if grep -rqF -- "$s" "$@"; then
      grep -rlF -- "$s" "$@" >&2
      fail "a secret ($s) reached an output"
    fi
  done
}

# }====

# {==== run 1: database branch taken, stuck rollout repaired ====

world
ctl POST seed '{"ecs": {"clusters": {"prod": {"services": {"payments-api":
  {"taskDefinition": "payments-api:41", "desiredCount": 2, "failDeployments": 1}}}}}}'
mkdir -p "$TMPD/markers/deployment_D-2026-11-27"
: >"$TMPD/markers/deployment_D-2026-11-27/db_migrated"
DEPLOYMENT_ID=D-2026-11-27
export DEPLOYMENT_ID
run_rollback db --param "marker_dir=$TMPD/markers" --monitor 1m --monitor-interval 30s
unset DEPLOYMENT_ID
[ "$st" -eq 0 ] || { cat "$TMPD/db.out" >&2; fail "run 1 exited $st"; }
for w in 'phase 1/4 "Immediate Actions" start' 'phase 2/4 "Execute Rollback" start' \
    'phase 3/4 "Validate Recovery" start' 'phase 4/4 "Post-Rollback Actions" start' \
    'gate yes by=--yes' 'log incident INC-0001' \
    'action aws rds.modify_db_cluster ok' 'action aws ecs.run_task ok' \
    '"Database Rollback" ok' \
    'action troubleshoot Rollback stuck in progress ok' \
    '"Application Rollback (ECS)" recovered' \
    '"Application Rollback (Auto Scaling)" skipped when=false' \
    'action aws ssm.put_parameter ok' 'action aws appconfig.start_deployment ok' \
    '"Health Verification" retry 3/10 next=30s' '"Health Verification" ok' \
    'action http bench GET' '"Archive State Files" ok' 'run PASSED' 'recovered=1' \
    'checklist "Application State" item "Previous version deployed and running" pass by=verify' \
    'checklist "Application State" item "Configuration reverted" pass by=verify' \
    'checklist "Application State" item "Feature flags reset" pass by=verify' \
    'checklist "Performance Metrics" item "Error rates at normal levels" pass by=verify' \
    'checklist "Documentation" item "Schedule post-mortem" unconfirmed by=--yes' \
    'checklist_pass=12 checklist_unconfirmed=10' \
    'monitor "Error Rate" sample 3/3 normal' 'monitor "Error Rate" NORMAL samples=3/3 alerts=0' \
    'monitor "Queue Depth" NORMAL samples=3/3'; do
  want db "$w"
done
# the report: the run's timeline from its journal
journal=$(ls "$TMPD"/db.journal/*.jsonl)
expect_exit 0 rbc report "$journal" >"$TMPD/report.out"
expect_exit 0 rbc report -f md "$journal" >"$TMPD/report.md"
for w in 'Immediate Actions' 'Execute Rollback' 'Validate Recovery' 'Post-Rollback Actions' \
    'Application Rollback (ECS)' 'Database Rollback' '1 recovered'; do
  grep -qF -- "$w" "$TMPD/report.out" || { cat "$TMPD/report.out" >&2; fail "report lacks '$w'"; }
done
no_secrets "$TMPD/report.out" "$TMPD/report.md"
final_state db db noasg
[ -z "$(ls "$TMPD/db.state")" ] || fail "run 1 left state files: $(ls "$TMPD/db.state")"
grep -q '^RESOLVED Rollback completed successfully' "$TMPD/db.incidents/INC-0001" ||
  fail "the incident was not resolved"
no_secrets "$TMPD/db.out" "$TMPD/db.journal"
echo "ok   run 1: every phase, database branch taken, stuck rollout recovered"

# }====

# {==== run 2: no marker, database branch skipped, Auto Scaling variant ====

world
# the job queue backs up after the rollback: the two checklist items read 12
# messages, the monitor's samples then 5000 (alert above 1000)
ctl POST metrics '{"namespace": "AWS/SQS", "metric": "ApproximateNumberOfMessagesVisible",
  "values": [12, 12, 5000]}'
run_rollback nodb --param asg_name=payments-api-asg --param previous_launch_config=payments-api-v40 \
  --monitor 30s --monitor-interval 30s
[ "$st" -eq 1 ] || { cat "$TMPD/nodb.out" >&2; fail "run 2 exited $st, not 1 (monitor alert)"; }
for w in '"Database Rollback" skipped when=false' '"Application Rollback (ECS)" ok' \
    'action aws autoscaling.update_auto_scaling_group ok' \
    '"Application Rollback (Auto Scaling)" ok' \
    'checklist "Application State" item "Background jobs processing normally" pass by=verify' \
    'monitor "Queue Depth" sample 1/2 alert value=5000' 'monitor "Queue Depth" ALERT' \
    'RB5051 monitor "Queue Depth" alerted' 'monitor "Error Rate" NORMAL' \
    'pass=15 fail=0 skip=1 not_run=0' 'monitor_alert=1 exit=1'; do
  want nodb "$w"
done
if grep -q 'troubleshoot\|recovered' "$TMPD/nodb.out"; then
  fail "run 2 needed a troubleshoot"
fi
if grep -qF 'rds.modify_db_cluster' "$TMPD/nodb.out"; then
  fail "run 2 touched the database without the marker"
fi
final_state nodb nodb asg
no_secrets "$TMPD/nodb.out" "$TMPD/nodb.journal"
echo "ok   run 2: database branch not taken, Auto Scaling variant, a monitor in alert"

# }====

# {==== run 3: halted at the confirm gate, then resumed ====

# without --yes and without a terminal the run halts at "Stop New Traffic"
# (exit 2) before touching the load balancer; `rbc resume --yes` finishes it
# without repeating the steps done (one incident, one notification)
world
mkdir -p "$TMPD/gate.journal" "$TMPD/gate.state"
set +e
ROLLBACK_STATE_DIR=$TMPD/gate.state INCIDENT_DIR=$TMPD/gate.incidents INCIDENT_TOKEN=$token \
  rbc run "$runbook" --params-file "$params" --param "lb_dns=$lb_dns" --param max_response=1m \
  --clock virtual -f plain --journal-dir "$TMPD/gate.journal" </dev/null >"$TMPD/gate.out" 2>&1
st=$?
set -e
[ "$st" -eq 2 ] || { cat "$TMPD/gate.out" >&2; fail "without --yes the rollback exited $st, not 2"; }
want gate 'run HALTED'
if fake_aws_ctl GET 'log?operation=DeregisterTargets' | grep -q DeregisterTargets; then
  fail "the halted run deregistered the target"
fi
journal=$(ls "$TMPD"/gate.journal/*.jsonl)
set +e
ROLLBACK_STATE_DIR=$TMPD/gate.state INCIDENT_DIR=$TMPD/gate.incidents INCIDENT_TOKEN=$token \
  rbc resume "$journal" --yes --clock virtual -f plain >"$TMPD/resume.out" 2>&1
st=$?
set -e
[ "$st" -eq 0 ] || { cat "$TMPD/resume.out" >&2; fail "rbc resume --yes exited $st"; }
for w in 'gate yes by=--yes' '"Stop New Traffic" ok' 'run PASSED'; do
  want resume "$w"
done
[ ! -f "$TMPD/gate.incidents/INC-0002" ] || fail "the resumed run opened a second incident"
final_state resume nodb noasg
no_secrets "$TMPD/gate.out" "$TMPD/resume.out" "$TMPD/gate.journal"
echo "ok   run 3: halted at the confirm gate (exit 2), resumed with --yes to the end"

# }====

# {==== troubleshooting on demand ====

mkdir -p "$TMPD/ts.journal" "$TMPD/ts2.journal"
# configuration mismatch: SSM send-command to the instances tagged with the component
set +e
INCIDENT_TOKEN=$token rbc run "$runbook" --params-file "$params" --param "lb_dns=$lb_dns" \
  --clock virtual -f plain --journal-dir "$TMPD/ts.journal" \
  --troubleshoot "Configuration mismatch" >"$TMPD/ts.out" 2>&1
st=$?
set -e
[ "$st" -eq 0 ] || { cat "$TMPD/ts.out" >&2; fail "--troubleshoot 'Configuration mismatch' exited $st"; }
want ts 'action aws ssm.send_command ok'
fake_aws_ctl GET 'log?operation=SendCommand' >"$TMPD/sc.json"
"$PY" - "$TMPD/sc.json" <<'PY' || fail "send-command did not target the tagged instances"
import json, sys
log = json.load(open(sys.argv[1]))
log = log.get('entries', log) if isinstance(log, dict) else log
p = log[-1]['params']
assert p['Targets'] == [{'Key': 'tag:Component', 'Values': ['payments-api']}], p
assert p['DocumentName'] == 'AWS-RunShellScript', p
PY
# database rollback failed: restore the cluster from its latest snapshot
set +e
rbc run "$runbook" --params-file "$params" --param "lb_dns=$lb_dns" --clock virtual -f plain \
  --journal-dir "$TMPD/ts2.journal" --troubleshoot "Database rollback failed" \
  >"$TMPD/ts2.out" 2>&1
st=$?
set -e
[ "$st" -eq 0 ] || { cat "$TMPD/ts2.out" >&2; fail "--troubleshoot 'Database rollback failed' exited $st"; }
fake_aws_ctl GET 'state?service=rds' >"$TMPD/rds.json"
"$PY" - "$TMPD/rds.json" <<'PY' || fail "the cluster was not restored from its snapshot"
import json, sys
st = json.load(open(sys.argv[1]))
c = st['clusters']['payments-db-rollback']
assert c['Status'] == 'available', c['Status']
PY
no_secrets "$TMPD/ts.out" "$TMPD/ts2.out"
echo "ok   troubleshooting on demand: send-command to the tagged instances, cluster restored"

# }====

# {==== triggers and monitors: rbc watch --once on scripted metric series ====

watch_once() {
  set +e
  rbc watch "$runbook" --once --params-file "$params" --param "lb_dns=$lb_dns" \
    --clock virtual -f plain --interval 30s >"$TMPD/$1.out" 2>&1
  st=$?
  set -e
}
# healthy series: no trigger fires, every monitor normal (the queue drained)
ctl POST metrics '{"namespace": "AWS/SQS", "metric": "ApproximateNumberOfMessagesVisible", "values": [12]}'
watch_once calm
for w in 'trigger "Error rate exceeds 5%" clear' 'trigger "Application health checks failing" clear' \
    'monitor "Error Rate" NORMAL' 'monitor "Response Time" NORMAL' 'monitor "Queue Depth" NORMAL'; do
  want calm "$w"
done
if grep -q 'FIRED\|ALERT' "$TMPD/calm.out"; then
  cat "$TMPD/calm.out" >&2
  fail "a trigger fired or a monitor alerted on healthy metrics"
fi
[ "$st" -eq 0 ] || { cat "$TMPD/calm.out" >&2; fail "rbc watch --once exited $st on healthy metrics"; }
# now 120 of every 1200 requests answer 5xx: a 10% error rate, held for the whole window
ctl POST metrics '{"namespace": "AWS/ApplicationELB", "metric": "HTTPCode_Target_5XX_Count", "values": [120]}'
watch_once storm
for w in 'trigger "Error rate exceeds 5%" FIRED held=2m for=2m' \
    'monitor "Error Rate" ALERT' 'monitor "Queue Depth" NORMAL'; do
  want storm "$w"
done
[ "$st" -eq 1 ] || { cat "$TMPD/storm.out" >&2; fail "rbc watch --once exited $st, not 1, when a trigger fired"; }
no_secrets "$TMPD/calm.out" "$TMPD/storm.out"
echo "ok   rbc watch --once: quiet on healthy series, the error-rate trigger fires and its monitor alerts"

# }====

# {==== the README's first command: scripts/demo.sh with this binary ====

# (its rbc runs without RBC_WRAPPER: skipped under valgrind)
if [ -z "$RBC_WRAPPER" ]; then
  set +e
  TMPDIR=$TMPD RBC=$RBC INCIDENT_TOKEN=$token sh "$top_srcdir/scripts/demo.sh" \
    </dev/null >"$TMPD/demo.out" 2>&1
  st=$?
  set -e
  [ "$st" -eq 0 ] || { cat "$TMPD/demo.out" >&2; fail "scripts/demo.sh exited $st"; }
  for w in 'run PASSED' '"Database Rollback" ok' '"Application Rollback (ECS)" recovered' \
      'monitor "Error Rate" NORMAL' 'Steps: 14 passed, 0 failed' \
      'ECS service       payments-api:40 (COMPLETED)' 'rejected 0' 'demo: done'; do
    want demo "$w"
  done
  no_secrets "$TMPD/demo.out"
  [ -z "$(ls -d "$TMPD"/rbc-demo.* 2>/dev/null)" ] || fail "scripts/demo.sh left its directory"
  echo "ok   scripts/demo.sh: the rollback demo against the stand-ins"
fi

# }====

fake_aws_ctl GET stats >"$TMPD/stats.json"
"$PY" -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(not (s["requests"] == s["verified"] and s["rejected"] == 0))' \
  "$TMPD/stats.json" || fail "a request was not verified: $(cat "$TMPD/stats.json")"
echo "ok   every AWS request signature-verified ($(tr -d '\n ' <"$TMPD/stats.json"))"
