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

  phase "P" {
    step "S" {
      aws.ecs.update_service(cluster: "prod")     # expect error line 15 col 15: RB2023 ~ `service`
      aws.elbv2.deregister_targets(Targets: [])     # expect error line 16 col 17: RB2023 ~ `TargetGroupArn`
    }
  }
}
