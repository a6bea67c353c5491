#!/bin/sh
# tests/aws_services.sh: AWS calls end to end against the local AWS endpoint
# (tests/servers/fake_aws.py: AWS's wire formats, every request's SigV4
# signature verified with botocore).  One runbook calls operations of all
# eleven services (sns elbv2 ecs cloudwatch rds autoscaling ssm appconfig s3
# sts logs), covering the four protocols, and asserts the decoded values:
# strings, ints, bools, time values, lists, maps, S3 bodies and headers,
# aws.paginate over several pages.  Then: argument errors (RB5025) and an
# AWS error reply (RB5007 with code, message and request id) fail the run
# clearly, and the endpoint saw only requests whose signatures verified.
# Skipped (77) without python3-botocore (the endpoint verifies with it).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

PY=/usr/bin/python3
"$PY" -c 'import botocore' 2>/dev/null || skip "python3-botocore is not installed"

cat >"$TMPD/seed.json" <<'EOF'
{
  "ecs": {"clusters": {"prod": {"services": {"payments": {"taskDefinition": "payments:41"},
                                             "orders": {}, "search": {}}}}},
  "elbv2": {"targetGroups": {"api-tg": {"targets": [{"Id": "i-0aaa", "Port": 80}]}}},
  "rds": {"clusters": {"db1": {}}},
  "s3": {"buckets": {"ops-backups": {
    "backups/state 1.json": {"Body": "{\"n\": 1}", "ContentType": "application/json",
                             "Metadata": {"owner": "ops"}},
    "backups/state 2.json": "{}", "backups/state 3.json": "{}"}}},
  "autoscaling": {"groups": {"asg1": {"DesiredCapacity": 2}}},
  "appconfig": {"applications": {"payments": {"environments": {"prod": {}},
                                               "configurationProfiles": {"flags": {}}}}}
}
EOF

"$PY" "$top_srcdir/tests/servers/fake_aws.py" --port-file "$TMPD/port" \
  --seed "$TMPD/seed.json" --settle-polls 1 >"$TMPD/fake.log" 2>&1 &
FAKE=$!
trap 'kill $FAKE 2>/dev/null; rm -rf "$TMPD"' EXIT
i=0
while [ ! -s "$TMPD/port" ]; do
  i=$((i + 1))
  [ $i -lt 200 ] || fail "fake_aws.py did not start: $(cat "$TMPD/fake.log")"
  sleep 0.05
done
PORT=$(cat "$TMPD/port")
ENDPOINT="http://127.0.0.1:$PORT"

AWS_ACCESS_KEY_ID=AKIDEXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
AWS_REGION=us-east-1
AWS_ENDPOINT_URL=$ENDPOINT
AWS_CONFIG_FILE=/dev/null
AWS_SHARED_CREDENTIALS_FILE=/dev/null
AWS_EC2_METADATA_DISABLED=true
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_ENDPOINT_URL AWS_CONFIG_FILE
export AWS_SHARED_CREDENTIALS_FILE AWS_EC2_METADATA_DISABLED
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_REGION 2>/dev/null || true

cat >"$TMPD/services.rb" <<'EOF'
runbook "aws-services" {
  owner "team-test"
  rto   5m
  phase "Every service" {
    step "sts (query)" {
      let me = aws.sts.get_caller_identity()
      assert me.Account == "123456789012"
    }
    step "sns (query, maps)" {
      let t = aws.sns.create_topic(Name: "ops-alerts", Attributes: {DisplayName: "Ops & on-call"})
      let p = aws.sns.publish(TopicArn: t.TopicArn, Message: "Rollback of a/b: 100% done",
                              MessageAttributes: {team: {DataType: "String", StringValue: "pay"}})
      assert len(p.MessageId) > 0
      let a = aws.sns.get_topic_attributes(TopicArn: t.TopicArn)
      assert a.Attributes.TopicArn == t.TopicArn
    }
    step "elbv2 (query, lists of structures)" {
      let tg = aws.elbv2.describe_target_groups(Names: ["api-tg"]).TargetGroups[0]
      assert tg.TargetGroupName == "api-tg"
      assert tg.Port == 80
      assert tg.HealthCheckEnabled == true
      aws.elbv2.register_targets(TargetGroupArn: tg.TargetGroupArn,
                                 Targets: [{Id: "i-0bbb", Port: 8080}])
      let h = aws.elbv2.describe_target_health(TargetGroupArn: tg.TargetGroupArn)
      assert len(h.TargetHealthDescriptions) == 2
      assert h.TargetHealthDescriptions[1].Target.Port == 8080
    }
    step "ecs (json, timestamps, pagination)" {
      let s = aws.ecs.describe_services(cluster: "prod", services: ["payments"]).services[0]
      assert s.serviceName == "payments"
      assert s.desiredCount == 2
      assert s.createdAt.year >= 2024
      assert "payments:41" in s.taskDefinition
      let u = aws.ecs.update_service(cluster: "prod", service: "payments",
                                     forceNewDeployment: true)
      assert u.service.serviceName == "payments"
      let all = aws.paginate("ecs", "list_services", cluster: "prod")
      assert len(all.serviceArns) == 3
    }
    step "cloudwatch (query, doubles, times)" {
      aws.cloudwatch.put_metric_data(Namespace: "Test/rbc", MetricData: [
        {MetricName: "Errors", Value: 3, Unit: "Count", Timestamp: now()},
        {MetricName: "Errors", Value: 4.5, Unit: "Count", Timestamp: now()}])
      let st = aws.cloudwatch.get_metric_statistics(Namespace: "Test/rbc", MetricName: "Errors",
        StartTime: now() - 10m, EndTime: now() + 1m, Period: 60, Statistics: ["Sum"])
      assert len(st.Datapoints) >= 1
    }
    step "rds (query)" {
      let c = aws.rds.describe_db_clusters(DBClusterIdentifier: "db1").DBClusters[0]
      assert c.DBClusterIdentifier == "db1"
      assert c.StorageEncrypted == true
      assert c.ClusterCreateTime.year >= 2024
    }
    step "autoscaling (query, booleans)" {
      aws.autoscaling.set_desired_capacity(AutoScalingGroupName: "asg1", DesiredCapacity: 3,
                                           HonorCooldown: false)
      let g = aws.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames: ["asg1"])
      assert g.AutoScalingGroups[0].DesiredCapacity == 3
    }
    step "ssm (json)" {
      aws.ssm.put_parameter(Name: "/payments/flag", Value: "on", Type: "String", Overwrite: true)
      let p = aws.ssm.get_parameter(Name: "/payments/flag").Parameter
      assert p.Value == "on"
      assert p.Version == 1
      aws.ssm.put_parameter(Name: "/payments/db", Value: "s3cr3t-pa55", Type: "SecureString")
      let sp = aws.ssm.get_parameter(Name: "/payments/db", WithDecryption: true).Parameter
      assert sp.Value == "s3cr3t-pa55"
      log "db password: ${sp.Value}"
    }
    step "appconfig (rest-json)" {
      let apps = aws.appconfig.list_applications(MaxResults: 10).Items
      assert apps[0].Name == "payments"
      let app = aws.appconfig.get_application(ApplicationId: apps[0].Id)
      assert app.Name == "payments"
    }
    step "s3 (rest-xml, raw bodies, headers, pagination)" {
      aws.s3.put_object(Bucket: "ops-backups", Key: "uploads/a b+c.txt", Body: "line 1\nline 2\n",
                        ContentType: "text/plain", Metadata: {run: "r1"})
      let up = aws.s3.get_object(Bucket: "ops-backups", Key: "uploads/a b+c.txt")
      assert up.Body == "line 1\nline 2\n"
      assert up.ContentType == "text/plain"
      assert up.Metadata.run == "r1"
      let o = aws.s3.get_object(Bucket: "ops-backups", Key: "backups/state 1.json")
      assert o.Body == "{\"n\": 1}"
      assert json.parse(o.Body).n == 1
      assert o.ContentLength == 8
      assert o.Metadata.owner == "ops"
      assert o.LastModified.year >= 2024
      let h = aws.s3.head_object(Bucket: "ops-backups", Key: "backups/state 1.json")
      assert h.ContentType == "application/json"
      let l = aws.s3.list_objects_v2(Bucket: "ops-backups", Prefix: "backups/", MaxKeys: 2)
      assert l.KeyCount == 2
      assert l.IsTruncated == true
      assert l.Contents[0].Key == "backups/state 1.json"
      assert l.Contents[0].Size == 8
      let all = aws.paginate("s3", "list_objects_v2", Bucket: "ops-backups", Prefix: "backups/",
                             MaxKeys: 1)
      assert len(all.Contents) == 3
      assert all.Contents[2].Key == "backups/state 3.json"
      let v1 = aws.paginate("s3", "list_objects", Bucket: "ops-backups", Prefix: "backups/",
                            MaxKeys: 2)
      assert len(v1.Contents) == 3
      assert v1.NextMarker == null
    }
    step "logs (json)" {
      aws.logs.create_log_group(logGroupName: "/rbc/test")
      aws.logs.create_log_stream(logGroupName: "/rbc/test", logStreamName: "run")
      aws.logs.put_log_events(logGroupName: "/rbc/test", logStreamName: "run",
                              logEvents: [{timestamp: now().unix_ms, message: "rollback done"}])
      let ev = aws.logs.get_log_events(logGroupName: "/rbc/test", logStreamName: "run",
                                       startFromHead: true).events
      assert ev[0].message == "rollback done"
      assert ev[0].timestamp > 0
    }
  }
}
EOF

rbc run "$TMPD/services.rb" >"$TMPD/out" 2>&1 || { cat "$TMPD/out"; fail "services runbook failed"; }
# A decrypted SecureString is a secret: masked in every output.
grep -q ' log \*\*\*$' "$TMPD/out" || { cat "$TMPD/out"; fail "SecureString not masked"; }
if grep -q 's3cr3t-pa55' "$TMPD/out"; then fail "a SecureString value leaked"; fi
n=$(grep -c ' action aws .* ok ' "$TMPD/out" || true)
[ "$n" -eq 35 ] || { cat "$TMPD/out"; fail "expected 35 aws actions, saw $n"; }
# aws.paginate: one request per page (3 objects, MaxKeys 1), each journaled.
n=$(grep -c ' action aws s3.list_objects_v2 ok ' "$TMPD/out" || true)
[ "$n" -eq 4 ] || { cat "$TMPD/out"; fail "expected 1 + 3 list_objects_v2 requests, saw $n"; }

# An argument that does not fit its member fails before anything is sent.
cat >"$TMPD/badarg.rb" <<'EOF'
runbook "bad-arg" {
  owner "team-test"
  rto   5m
  phase "p" {
    step "s" {
      let n = "80"
      aws.elbv2.register_targets(TargetGroupArn: "arn", Targets: [{Id: "i-1", Port: n}])
    }
  }
}
EOF
expect_exit 1 rbc run "$TMPD/badarg.rb" >"$TMPD/badarg.out" 2>&1
grep -q 'RB5025' "$TMPD/badarg.out" || { cat "$TMPD/badarg.out"; fail "no RB5025"; }
grep -q 'Targets\[0\].Port: expects an int, got string' "$TMPD/badarg.out" ||
  { cat "$TMPD/badarg.out"; fail "RB5025 does not name the member"; }

# An AWS error reply: RB5007 with the code, the message and the request id.
cat >"$TMPD/awserr.rb" <<'EOF'
runbook "aws-error" {
  owner "team-test"
  rto   5m
  phase "p" {
    step "s" {
      aws.ssm.get_parameter(Name: "/no/such/parameter")
    }
  }
}
EOF
expect_exit 1 rbc run "$TMPD/awserr.rb" >"$TMPD/awserr.out" 2>&1
grep -q 'RB5007' "$TMPD/awserr.out" || { cat "$TMPD/awserr.out"; fail "no RB5007"; }
grep -q 'ParameterNotFound' "$TMPD/awserr.out" || { cat "$TMPD/awserr.out"; fail "no code"; }
grep -q 'request id ' "$TMPD/awserr.out" || { cat "$TMPD/awserr.out"; fail "no request id"; }

# Every request the endpoint saw was signed, and every signature verified.
stats=$("$PY" -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1] + "/__fake/stats", timeout=10).read().decode())' \
  "$ENDPOINT") || fail "no stats from the endpoint"
echo "$stats" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
ok = s["requests"] >= 30 and s["verified"] == s["requests"] and s["rejected"] == 0 \
    and s.get("unsigned", 0) == 0 and s.get("unrouted", 0) == 0
sys.exit(0 if ok else 1)' || fail "not every request verified: $stats"
exit 0
