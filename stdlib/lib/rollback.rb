# rollback.rb: helpers for rollback runbooks, written in rbc itself, shipped
# with rbc.  runbooks/payments-api-rollback.rb uses every one of them.
#
#     import "rollback.rb"
#
# (found like ops.rb: next to the runbook, in RBC_LIB_PATH, then in rbc's
# stdlib directory).  Each fn takes what it needs as arguments, so one
# library serves every component.  They call AWS through aws.SERVICE.op(...),
# so `rbc check` validates every operation and member name here too; the
# ones that only read say so, the others change the world.

# {==== text and files ====

# The last component of a path: basename("/tmp/a/state.json") is "state.json".
fn basename(path) {
  let parts = split(path, "/")
  return parts[len(parts) - 1]
}

# "family:revision" of a task definition ARN or name
# ("arn:aws:ecs:...:task-definition/api:41" gives "api:41").
fn taskdef_name(ref) {
  return basename(ref)
}

# }====

# {==== CloudWatch (reads) ====

# A CloudWatch dimension list from a map: dimensions({ServiceName: "api"}) is
# [{Name: "ServiceName", Value: "api"}].
fn dimensions(m) {
  let out = []
  for k, v in m {
    out = out + [{Name: k, Value: v}]
  }
  return out
}

# The datapoints of one metric over the last `window`, one per minute, each
# a map holding `statistic` ("Average", "Sum", "Maximum", ...).
fn metric_points(namespace, metric, dims, statistic, window) {
  let r = aws.cloudwatch.get_metric_statistics(
    Namespace: namespace, MetricName: metric, Dimensions: dims,
    StartTime: now() - window, EndTime: now(), Period: 60, Statistics: [statistic])
  return r.Datapoints ?? []
}

# The mean of `statistic` over the window, or null when the metric has no
# datapoints: a monitor reports null as "no data", never as normal.
fn metric_mean(namespace, metric, dims, statistic, window) {
  let points = metric_points(namespace, metric, dims, statistic, window)
  if len(points) == 0 {
    return null
  }
  return sum(points, statistic) / len(points)
}

# The sum of the per-minute Sums over the window, or null without data.
fn metric_total(namespace, metric, dims, window) {
  let points = metric_points(namespace, metric, dims, "Sum", window)
  if len(points) == 0 {
    return null
  }
  return sum(points, "Sum")
}

# Target 5xx responses over requests at an Application Load Balancer during
# the window, as a fraction (compare it with a percentage: `< 0.1%`); null
# when there is no request count at all.
fn alb_error_rate(lb_name, window) {
  let dims = dimensions({LoadBalancer: lb_name})
  let requests = metric_total("AWS/ApplicationELB", "RequestCount", dims, window)
  if requests == null {
    return null
  }
  let errors = metric_total("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dims, window)
  if requests == 0 {
    return 0.0
  }
  return float(errors ?? 0) / float(requests)
}

# The load balancer's mean target response time over the window as a
# duration (CloudWatch gives seconds), or null without data.
fn alb_response_time(lb_name, window) {
  let dims = dimensions({LoadBalancer: lb_name})
  let s = metric_mean("AWS/ApplicationELB", "TargetResponseTime", dims, "Average", window)
  if s == null {
    return null
  }
  return int(s * 1000) * 1ms
}

# Whether the CloudWatch alarm `name` is in state ALARM (false when it is OK,
# INSUFFICIENT_DATA or does not exist).
fn alarm_firing(name) {
  let r = aws.cloudwatch.describe_alarms(AlarmNames: [name])
  for a in r.MetricAlarms ?? [] {
    if a.StateValue == "ALARM" {
      return true
    }
  }
  return false
}

# }====

# {==== ECS ====

# The service's description (reads); fails the step when it does not exist.
fn ecs_service(cluster, service) {
  let r = aws.ecs.describe_services(cluster: cluster, services: [service])
  if len(r.services) == 0 {
    fail "ECS service ${service} not found in cluster ${cluster}"
  }
  return r.services[0]
}

# The rolloutState of the service's PRIMARY deployment: IN_PROGRESS,
# COMPLETED or FAILED (reads; each call is one poll of the rollout).
fn ecs_rollout_state(cluster, service) {
  for d in ecs_service(cluster, service).deployments {
    if d.status == "PRIMARY" {
      return d.rolloutState ?? "COMPLETED"
    }
  }
  return "IN_PROGRESS"
}

# Wait until the service's rollout has settled (bounded by `limit`,
# polling every `poll`), then fail unless it COMPLETED with one deployment
# left: the rollout is stuck or its tasks did not start.
fn ecs_wait_settled(cluster, service, poll, limit) {
  wait until ecs_rollout_state(cluster, service) != "IN_PROGRESS" every poll timeout limit
  let s = ecs_service(cluster, service)
  let state = ecs_rollout_state(cluster, service)
  if state != "COMPLETED" or len(s.deployments) != 1 {
    fail "ECS rollout of ${service} is ${state} with ${len(s.deployments)} deployments"
  }
  return taskdef_name(s.taskDefinition)
}

# Run one task of `taskdef` with `command` as its container's command
# (container named `container`), wait until it stops (polling every
# `poll`, at most `limit`), and fail unless its container exited 0.
# Returns the task ARN.  The task gets its secrets from its task
# definition: nothing secret passes through this call.
fn ecs_run_task(cluster, taskdef, container, command, poll, limit) {
  let override = {name: container, command: command}
  let r = aws.ecs.run_task(
    cluster: cluster, taskDefinition: taskdef, count: 1, startedBy: "rbc",
    overrides: {containerOverrides: [override]})
  if len(r.tasks) == 0 {
    fail "ECS could not start ${taskdef}: ${json.encode(r.failures ?? [])}"
  }
  let arn = r.tasks[0].taskArn
  wait until aws.ecs.describe_tasks(cluster: cluster, tasks: [arn]).tasks[0].lastStatus == "STOPPED"
    every poll
    timeout limit
  let t = aws.ecs.describe_tasks(cluster: cluster, tasks: [arn]).tasks[0]
  let code = t.containers[0].exitCode ?? -1
  if code != 0 {
    fail "task ${taskdef} exited with code ${code}: ${t.stoppedReason ?? ""}"
  }
  return arn
}

# }====

# {==== load balancing ====

# The ARN of the target group named `name` (reads).
fn target_group_arn(name) {
  return aws.elbv2.describe_target_groups(Names: [name]).TargetGroups[0].TargetGroupArn
}

# The health state of target `id` in the group (initial, healthy, draining,
# ...), or null when it is not registered (reads).
fn target_state(tg_arn, id) {
  for t in aws.elbv2.describe_target_health(TargetGroupArn: tg_arn).TargetHealthDescriptions {
    if t.Target.Id == id {
      return t.TargetHealth.State
    }
  }
  return null
}

# }====

# {==== databases ====

# The most recent available snapshot of an RDS cluster (a map with
# DBClusterSnapshotIdentifier, Engine, SnapshotCreateTime, ...); fails the
# step when there is none (reads).
fn latest_cluster_snapshot(cluster_id) {
  let r = aws.rds.describe_db_cluster_snapshots(DBClusterIdentifier: cluster_id)
  let best = null
  for s in r.DBClusterSnapshots ?? [] {
    if s.Status == "available" and (best == null or s.SnapshotCreateTime > best.SnapshotCreateTime) {
      best = s
    }
  }
  if best == null {
    fail "no available snapshot of ${cluster_id} to restore"
  }
  return best
}

# }====

# {==== configuration ====

# The decrypted value of version `version` of an SSM parameter; version 0
# means the version before the current one.  The value of a SecureString is
# a secret: it prints as *** everywhere.
fn parameter_version_value(name, version) {
  let v = version
  if v == 0 {
    v = aws.ssm.get_parameter(Name: name).Parameter.Version - 1
  }
  if v < 1 {
    fail "parameter ${name} has no version before the current one"
  }
  return aws.ssm.get_parameter(Name: "${name}:${v}", WithDecryption: true).Parameter.Value
}

# The state of AppConfig deployment `number` (DEPLOYING, BAKING, COMPLETE,
# ROLLED_BACK, ...; reads, each call one poll).
fn appconfig_state(app, env, number) {
  let d = aws.appconfig.get_deployment(
    ApplicationId: app, EnvironmentId: env, DeploymentNumber: number)
  return d.State
}

# The configuration version of the environment's latest COMPLETE
# deployment, or null when there is none (reads).
fn appconfig_live_version(app, env) {
  let best = null
  for d in aws.appconfig.list_deployments(ApplicationId: app, EnvironmentId: env).Items ?? [] {
    if d.State == "COMPLETE" and (best == null or d.DeploymentNumber > best.DeploymentNumber) {
      best = d
    }
  }
  if best == null {
    return null
  }
  return best.ConfigurationVersion
}

# The overall state of SSM command `id` over its instances (reads; each
# call is one poll): "InProgress" while one is Pending, InProgress or
# Delayed, else "Success" when every instance succeeded, else the first
# other state (Failed, TimedOut, Cancelled, ...).
fn ssm_command_status(id) {
  let result = "Success"
  let r = aws.ssm.list_command_invocations(CommandId: id)
  for inv in r.CommandInvocations ?? [] {
    if inv.Status in ["Pending", "InProgress", "Delayed"] {
      return "InProgress"
    }
    if inv.Status != "Success" and result == "Success" {
      result = inv.Status
    }
  }
  if len(r.CommandInvocations ?? []) == 0 {
    return "InProgress"
  }
  return result
}

# }====

# {==== archive ====

# Upload each file of `paths` to s3://bucket/prefix/BASENAME and return the
# keys written (JSON files get Content-Type application/json).
fn s3_archive(bucket, prefix, paths) {
  let keys = []
  for p in paths {
    let key = "${prefix}/${basename(p)}"
    let body = read_file(p)
    aws.s3.put_object(Bucket: bucket, Key: key, Body: body, ContentType: "application/json")
    keys = keys + [key]
  }
  return keys
}

# }====
