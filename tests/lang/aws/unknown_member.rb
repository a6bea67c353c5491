runbook "t" {
  title       "Language test"
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
  param service = "payments"
  param previous_taskdef = "td:1"

  phase "P" {
    step "S" {
      aws.ecs.update_service(cluster: cluster, service: service,
                             taskDefinitoin: previous_taskdef)     # expect error line 20 col 30: RB2003 ~ `taskDefinition`
    }
  }
}
