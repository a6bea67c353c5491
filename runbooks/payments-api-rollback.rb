# runbooks/payments-api-rollback.rb: the rollback procedure template
# (Rollback Procedures - [Component Name]) as a real runbook for the
# payments API, every section of it: `rbc doc` renders it as the template
# filled in (docs/examples/payments-api-rollback.md), `rbc run` carries it
# out, `rbc watch` evaluates its automatic triggers and `rbc run --monitor`
# its metric thresholds.  runbooks/payments-api.rb is the short example of
# the design; this is the whole procedure.
#
# Environment-specific values are params without defaults: give them in a
# params file (demo/payments-api.params.json is the demo's) and the AWS
# credentials as usual.  scripts/demo.sh runs it against the local
# stand-ins (tests/servers/sample_service.py and fake_aws.py).
import "ops.rb"
import "rollback.rb"

runbook "payments-api-rollback" {
  title       "Rollback Procedures - Payments API"
  criticality high
  expected    15m
  rpo         5m
  rto         15m
  owner       "team-payments"
  tested      "2026-11-27"
  review      90d
  status      tested
  version     "1.0.0"

  contact "Incident Commander" {
    name  "A. Ruiz"
    phone "+1 555 0100"
    email "ir@example.com"
    slack "@ir"
  }
  contact "Tech Lead" {
    name  "B. Okafor"
    phone "+1 555 0101"
    email "payments-lead@example.com"
    slack "@bokafor"
  }
  contact "Database Admin" {
    name  "C. Lindqvist"
    phone "+1 555 0102"
    email "dba@example.com"
    slack "@dba-oncall"
  }
  contact "AWS Support" { phone "+1 555 0199" }

  resource runbooks  "s3://ops-backups/runbooks/payments-api/"
  resource backups   "s3://ops-backups/backups/payments-api/"
  resource logs      "cloudwatch:/aws/ecs/payments-api"
  resource dashboard "https://console.aws.amazon.com/cloudwatch/home#dashboards:name=payments-api"

  # the component
  param component   : string = "payments-api"
  param environment : string = "prod"
  param cluster     : string = "prod"
  param service     : string = "payments-api"
  # where to go back to
  param previous_taskdef        : string       # e.g. payments-api:40
  param previous_version        : string       # the application version, e.g. 2026.11.2
  param previous_flags_version  : string       # AppConfig hosted configuration version
  param previous_config_version : int = 0      # SSM parameter version; 0: the one before the current
  param previous_launch_config  : string = ""  # Auto Scaling variant: launch configuration
  param asg_name                : string = ""  # Auto Scaling variant: the group ("" for ECS only)
  # traffic
  param lb_dns       : string  # host[:port] of the load balancer
  param lb_name      : string  # CloudWatch's LoadBalancer dimension, app/NAME/ID
  param target_group : string = "payments-api-tg"
  param instance_id  : string  # the target to drain
  # notifications, incidents, archive
  param sns_topic_arn         : string
  param stakeholder_topic_arn : string
  param archive_bucket        : string = "ops-backups"
  param incident_tool         : string = "scripts/incident.sh"
  # database
  param db_cluster_id  : string = "payments-db"
  param deployment_id  : string = env("DEPLOYMENT_ID", "none")
  param marker_dir     : string = "/tmp"  # holds deployment_ID/db_migrated after a migration
  param migration_task : string = "payments-migrate"
  # feature flags
  param appconfig_app      : string
  param appconfig_env      : string
  param appconfig_profile  : string
  param appconfig_strategy : string = "AppConfig.AllAtOnce"
  # where this run keeps its state files (archived to S3, then removed)
  param state_dir : string = env("ROLLBACK_STATE_DIR", "/tmp")
  # performance baseline
  param max_response    : duration = 200ms
  secret incident_token = env("INCIDENT_TOKEN")

  fn config_parameter() {
    return "/app/${environment}/${component}/config"
  }
  fn error_rate() {
    return alb_error_rate(lb_name, 5m)
  }
  fn response_time() {
    return alb_response_time(lb_name, 5m)
  }
  fn ecs_metric(name) {
    let dims = dimensions({ClusterName: cluster, ServiceName: service})
    let v = metric_mean("AWS/ECS", name, dims, "Average", 5m)
    if v == null {
      return null
    }
    return v / 100
  }
  fn queue_depth() {
    let dims = dimensions({QueueName: "${component}-jobs"})
    return metric_mean("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, "Maximum", 5m)
  }
  fn health_status() {
    return http.get("http://${lb_dns}/health", timeout: 5s).status
  }
  fn running_taskdef() {
    return taskdef_name(ecs_service(cluster, service).taskDefinition)
  }
  # the incident tool's token reaches it only through its environment
  fn incident_create(title) {
    let r = sh("${incident_tool} create ${title}", env: {INCIDENT_TOKEN: incident_token})
    return first_line(r.stdout)
  }
  fn incident_update(id, status, text) {
    sh "${incident_tool} update ${id} ${status} ${text}", env: {INCIDENT_TOKEN: incident_token}
  }

  # Rollback Decision Criteria: any of these
  trigger auto "Application health checks failing" when health_status() != 200 for 5m
  trigger auto "Error rate exceeds 5%" when (error_rate() ?? 0) > 5% for 2m
  trigger auto "Response time degraded by more than 50%" when (response_time() ?? 0ms) > max_response * 3 / 2 for 3m
  trigger auto "Critical functionality unavailable" when http.get("http://${lb_dns}/api/v1/status", timeout: 5s).status != 200 for 1m
  trigger auto "Data corruption or integrity issues detected" when alarm_firing("${component}-data-integrity")
  trigger auto "Security breach or vulnerability exposed" when alarm_firing("${component}-security")
  trigger manual "Product owner decision based on user impact"
  trigger manual "Critical bug discovered post-deployment"
  trigger manual "Performance degradation affecting user experience"
  trigger manual "Integration failures with dependent systems"

  phase "Immediate Actions" within 2m {
    step "Initiate Incident Response" on failure abort {
      sh "mkdir -p ${state_dir}"
      let incident_id = incident_create("${component} Rollback ${now()}")
      log "incident", incident_id
    }
    step "Send notifications" on failure continue {
      let msg = "Initiating rollback for ${component}. Incident: ${incident_id}"
      aws.sns.publish(TopicArn: sns_topic_arn, Subject: "[ROLLBACK] ${component}", Message: msg)
    }
    step "Stop New Traffic" {
      confirm "Take ${instance_id} out of ${target_group} in ${environment}?"
      let tg_arn = target_group_arn(target_group)
      let targets = aws.elbv2.describe_target_health(TargetGroupArn: tg_arn)
      write_json("${state_dir}/rollback_state_targets.json", targets)
      aws.elbv2.modify_target_group_attributes(
        TargetGroupArn: tg_arn,
        Attributes: [{Key: "deregistration_delay.timeout_seconds", Value: "0"}])
      aws.elbv2.deregister_targets(TargetGroupArn: tg_arn, Targets: [{Id: instance_id}])
      wait until target_state(tg_arn, instance_id) == null every 5s timeout 1m
    }
    step "Capture Current State" {
      let state = aws.ecs.describe_services(cluster: cluster, services: [service])
      write_json("${state_dir}/rollback_state_${now().unix}.json", state)
      let cpu = aws.cloudwatch.get_metric_statistics(
        Namespace: "AWS/ECS", MetricName: "CPUUtilization",
        Dimensions: [{Name: "ServiceName", Value: service}],
        StartTime: now() - 10m, EndTime: now(), Period: 60, Statistics: ["Average"])
      write_json("${state_dir}/metrics_pre_rollback.json", cpu)
    }
  }

  phase "Execute Rollback" within 8m {
    step "Database Rollback" when exists("${marker_dir}/deployment_${deployment_id}/db_migrated") on failure troubleshoot "Database rollback failed" {
      log "rolling back database changes of deployment", deployment_id
      let before = aws.rds.describe_db_clusters(DBClusterIdentifier: db_cluster_id)
      write_json("${state_dir}/rollback_state_db.json", before)
      aws.rds.modify_db_cluster(
        DBClusterIdentifier: db_cluster_id, BackupRetentionPeriod: 7,
        PreferredBackupWindow: "03:00-04:00", ApplyImmediately: true)
      let command = ["rollback", "--to-version", previous_version]
      ecs_run_task(cluster, migration_task, migration_task, command, 5s, 3m)
    }
    step "Application Rollback (ECS)" on failure troubleshoot "Rollback stuck in progress" {
      log "rolling back", service, "to", previous_taskdef
      aws.ecs.update_service(
        cluster: cluster, service: service, taskDefinition: previous_taskdef,
        forceNewDeployment: true)
      let settled = ecs_wait_settled(cluster, service, 5s, 3m)
      assert settled == previous_taskdef, "the service runs ${settled}, not ${previous_taskdef}"
    }
    step "Application Rollback (Auto Scaling)" when asg_name != "" {
      let groups = aws.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames: [asg_name])
      write_json("${state_dir}/rollback_state_asg.json", groups)
      aws.autoscaling.update_auto_scaling_group(
        AutoScalingGroupName: asg_name, LaunchConfigurationName: previous_launch_config)
    }
    step "Configuration Rollback" on failure troubleshoot "Configuration mismatch" {
      let name = config_parameter()
      let previous_value = parameter_version_value(name, previous_config_version)
      let put = aws.ssm.put_parameter(
        Name: name, Value: previous_value, Type: "SecureString", Overwrite: true)
      log name, "is now version", put.Version
    }
    step "Revert Feature Flags" {
      let d = aws.appconfig.start_deployment(
        ApplicationId: appconfig_app, EnvironmentId: appconfig_env,
        DeploymentStrategyId: appconfig_strategy, ConfigurationProfileId: appconfig_profile,
        ConfigurationVersion: previous_flags_version)
      wait until appconfig_state(appconfig_app, appconfig_env, d.DeploymentNumber) != "DEPLOYING"
        every 5s
        timeout 2m
      let state = appconfig_state(appconfig_app, appconfig_env, d.DeploymentNumber)
      assert state == "COMPLETE", "feature flag deployment ${d.DeploymentNumber} is ${state}"
    }
  }

  phase "Validate Recovery" within 5m {
    step "Health Verification" {
      retry 10 every 30s {
        assert http 200 "http://${lb_dns}/health"
      }
    }
    step "Critical Endpoints" {
      parallel for path in ["/api/v1/health", "/api/v1/status", "/api/v1/users"] {
        assert http 200 "http://${lb_dns}${path}"
      }
    }
    step "Performance Validation" {
      let b = http.bench("http://${lb_dns}/api/v1/health", requests: 100, concurrency: 10)
      log "average response time", b.mean, "p95", b.p95, "over", b.requests, "requests"
      assert b.failed == 0, "${b.failed} of ${b.requests} requests failed"
      assert b.mean < max_response, "mean response ${b.mean} over ${max_response}"
      let rt = response_time()
      assert rt != null, "no TargetResponseTime datapoints for ${lb_name}"
      log "load balancer response time", rt
      assert rt < max_response, "target response time ${rt} over ${max_response}"
    }
  }

  phase "Post-Rollback Actions" {
    step "Update incident status" on failure continue {
      let text = "Rollback completed successfully. Service restored to version ${previous_version}"
      incident_update(incident_id, "RESOLVED", text)
    }
    step "Notify stakeholders" on failure continue {
      aws.sns.publish(
        TopicArn: stakeholder_topic_arn, Subject: "[RESOLVED] ${component} Rollback Complete",
        Message: "Service has been successfully rolled back to the previous version.")
    }
    step "Archive State Files" {
      let files = glob("${state_dir}/rollback_state_*.json") + glob("${state_dir}/metrics_*.json")
      let keys = s3_archive(archive_bucket, "incidents/${incident_id}", files)
      log "archived", len(keys), "files to", "s3://${archive_bucket}/incidents/${incident_id}/"
    }
    step "Clean up" {
      for f in files {
        remove(f)
      }
      assert len(glob("${state_dir}/rollback_state_*.json")) == 0
    }
  }

  # rbc: ignore[RB4005] -- judged by a person, asked at the terminal
  checklist "Documentation" {
    item "Create incident report"
    item "Update deployment log"
    item "Document root cause"
    item "Schedule post-mortem"
    item "Update runbooks if needed"
  }
  checklist "Application State" {
    item "Previous version deployed and running" verify running_taskdef() == previous_taskdef
    item "All instances/containers healthy" verify ecs_service(cluster, service).runningCount == ecs_service(cluster, service).desiredCount
    item "Configuration reverted" verify aws.ssm.get_parameter(Name: config_parameter(), WithDecryption: true).Parameter.Value == previous_value
    item "Feature flags reset" verify appconfig_live_version(appconfig_app, appconfig_env) == previous_flags_version
    item "Background jobs processing normally" verify (queue_depth() ?? 0) < 100
  }
  # rbc: ignore[RB4005] -- judged by a person, asked at the terminal
  checklist "Data Integrity" {
    item "Database state verified" verify aws.rds.describe_db_clusters(DBClusterIdentifier: db_cluster_id).DBClusters[0].Status == "available"
    item "No data loss confirmed"
    item "Cache cleared/refreshed"
    item "Message queues draining normally" verify (queue_depth() ?? 0) < 1000
  }
  checklist "Performance Metrics" {
    item "Response times back to baseline" verify (response_time() ?? 1h) < max_response
    item "Error rates at normal levels" verify (error_rate() ?? 1.0) < 0.1%
    item "Resource utilization stable" verify (ecs_metric("CPUUtilization") ?? 1.0) < 80%
    item "No memory leaks" verify (ecs_metric("MemoryUtilization") ?? 1.0) < 85%
  }
  # rbc: ignore[RB4005] -- judged by a person, asked at the terminal
  checklist "External Dependencies" {
    item "API integrations restored" verify health_status() == 200
    item "Third-party services connected"
    item "CDN cache purged if needed"
    item "DNS propagation complete"
  }

  troubleshoot "Rollback stuck in progress" {
    # Force service update
    aws.ecs.update_service(cluster: cluster, service: service, forceNewDeployment: true)
    ecs_wait_settled(cluster, service, 5s, 3m)
  }
  troubleshoot "Database rollback failed" {
    # Restore from the latest snapshot into a new cluster
    let latest = latest_cluster_snapshot(db_cluster_id)
    aws.rds.restore_db_cluster_from_snapshot(
      DBClusterIdentifier: "${db_cluster_id}-rollback",
      SnapshotIdentifier: latest.DBClusterSnapshotIdentifier, Engine: latest.Engine)
    wait until aws.rds.describe_db_clusters(DBClusterIdentifier: "${db_cluster_id}-rollback").DBClusters[0].Status == "available"
      every 10s
      timeout 3m
  }
  troubleshoot "Configuration mismatch" {
    # Force a parameter refresh on the instances tagged with the component
    let c = aws.ssm.send_command(
      DocumentName: "AWS-RunShellScript",
      Targets: [{Key: "tag:Component", Values: [component]}],
      Parameters: {commands: ["sudo systemctl restart app"]})
    let id = c.Command.CommandId
    wait until ssm_command_status(id) != "InProgress" every 5s timeout 2m
    let status = ssm_command_status(id)
    assert status == "Success", "parameter refresh ${id} is ${status}"
  }

  # Metrics to Monitor Post-Rollback
  monitor "Response Time" value response_time() normal < 200ms alert > 500ms
  monitor "Error Rate" value error_rate() normal < 0.1% alert > 1%
  monitor "CPU Usage" value ecs_metric("CPUUtilization") normal 40% .. 60% alert > 80%
  monitor "Memory Usage" value ecs_metric("MemoryUtilization") normal 50% .. 70% alert > 85%
  monitor "Queue Depth" value queue_depth() normal < 100 alert > 1000
}
