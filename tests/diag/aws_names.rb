# AWS names checked against the service models: service, operation, required members, types.
runbook "t" {
  title       "Golden diagnostics"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  param cluster = "prod"

  phase "Checks" {
    step "Names" {
      aws.ecz.describe_services(cluster: cluster)
      aws.ecs.describe_service(cluster: cluster)
      aws.ecs.update_service(cluster: cluster, desiredCount: "2")
      aws.elbv2.deregister_targets(TargetGroupArn: "arn", Targets: [{Id: "i-1"}])
    }
  }
}
