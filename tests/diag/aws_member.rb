# An AWS member name with a typo, on the continuation line of a call.
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

  param cluster          = "prod"
  param service          = "payments-api"
  param previous_taskdef = "payments:41"

  phase "Execute rollback" {
    step "Application" {
      aws.ecs.update_service(cluster: cluster, service: service,
                             taskDefinitoin: previous_taskdef, forceNewDeployment: true)
    }
  }
}
