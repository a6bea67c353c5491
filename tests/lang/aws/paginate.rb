# expect clean
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
      let all = aws.paginate("ecs", "list_services", cluster: "prod")
      log len(all.serviceArns)
    }
  }
}
