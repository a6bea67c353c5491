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

  phase "P" {
    step "S" {
      aws.ecs.describe_service(cluster: cluster)     # expect error line 17 col 15: RB2002 ~ `describe_services`
    }
  }
}
