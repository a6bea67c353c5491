# runbooks/payments-api.rb
runbook "payments-api" {
  title       "Payments API rollback"
  criticality high  # low | medium | high | critical
  expected    15m   # time to execute
  rpo         5m
  rto         15m
  owner       "team-payments"
  tested      "2026-10-02"
  review      90d
  status      approved  # draft | reviewed | approved | tested

  contact "Incident Commander" { name "A. Ruiz" phone "+1 555 0100" email "ir@example.com" slack "@ir" }
  contact "AWS Support" { phone "+1 555 0199" }

  resource logs      "cloudwatch:/aws/ecs/payments-api"
  resource backups   "s3://ops-backups/backups/payments-api/"
  resource dashboard "https://example.com/dashboards/payments"

  param cluster          = env("CLUSTER_NAME")
  param service          = env("SERVICE_NAME")
  param target_group_arn = env("TARGET_GROUP_ARN")
  param instance_id      = env("INSTANCE_ID")
  param lb_dns           = env("LOAD_BALANCER_DNS")
  param lb_name          = env("LB_NAME")
  param sns_topic        = env("SNS_TOPIC_ARN")
  param deployment_id    = env("DEPLOYMENT_ID", "none")
  param previous_taskdef : string  # required: --param previous_taskdef=...
  param previous_version : string
  secret database_url    = env("DATABASE_URL")

  fn metric_sum(name) {
    let s = aws.cloudwatch.get_metric_statistics(
      Namespace: "AWS/ApplicationELB", MetricName: name,
      Dimensions: [{Name: "LoadBalancer", Value: lb_name}],
      StartTime: now() - 5m, EndTime: now(), Period: 60, Statistics: ["Sum"])
    return sum(s.Datapoints, "Sum")
  }
  fn error_rate() {
    return metric_sum("HTTPCode_Target_5XX_Count") / max(1, metric_sum("RequestCount"))
  }
  fn running_taskdef() {
    return aws.ecs.describe_services(cluster: cluster, services: [service]).services[0].taskDefinition
  }

  trigger auto "Health checks failing" when http.get("http://${lb_dns}/health").status != 200 for 5m
  trigger auto "Error rate above 5%" when error_rate() > 5% for 2m
  trigger manual "Product owner decision based on user impact"

  phase "Immediate actions" within 2m {
    step "Notify" {
      aws.sns.publish(TopicArn: sns_topic, Message: "Initiating rollback for ${service}")
    }
    step "Stop new traffic" {
      confirm "Deregister ${instance_id} from the load balancer?"
      let before = aws.elbv2.describe_target_health(TargetGroupArn: target_group_arn)
      write_json("rollback_targets_${now().unix}.json", before)
      aws.elbv2.deregister_targets(TargetGroupArn: target_group_arn, Targets: [{Id: instance_id}])
    }
    step "Capture current state" {
      let state = aws.ecs.describe_services(cluster: cluster, services: [service])
      write_json("rollback_state_${now().unix}.json", state)
    }
  }

  phase "Execute rollback" within 8m {
    step "Database" when exists("/tmp/deployment_${deployment_id}/db_migrated") {
      sh("docker run --rm -e DATABASE_URL migration-tool:latest rollback --to-version ${previous_version}",
         env: {DATABASE_URL: database_url})
    }
    step "Application" on failure troubleshoot "Rollback stuck in progress" {
      aws.ecs.update_service(cluster: cluster, service: service,
                             taskDefinition: previous_taskdef, forceNewDeployment: true)
      wait until len(aws.ecs.describe_services(cluster: cluster, services: [service]).services[0].deployments) == 1
        every 5s timeout 8m
    }
  }

  phase "Validate recovery" within 5m {
    step "Health" {
      retry 10 every 30s {
        assert http 200 "http://${lb_dns}/health"
      }
    }
    step "Critical endpoints" {
      parallel for path in ["/api/v1/health", "/api/v1/status", "/api/v1/users"] {
        assert http 200 "http://${lb_dns}${path}"
      }
    }
    step "Performance" {
      let b = http.bench("http://${lb_dns}/api/v1/health", requests: 100, concurrency: 10)
      assert b.mean < 200ms, "mean response ${b.mean} over 200ms"
    }
  }

  # rbc: ignore[RB4005] -- judged by a person, asked at the terminal
  checklist "Data integrity" {
    item "Database state verified"
    item "Previous version running" verify running_taskdef() == previous_taskdef
  }

  troubleshoot "Rollback stuck in progress" {
    aws.ecs.update_service(cluster: cluster, service: service, forceNewDeployment: true)
  }

  monitor "Error rate" value error_rate() normal < 0.1% alert > 1%
}
