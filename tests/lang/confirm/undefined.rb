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

  param instance_id = "i-1"

  phase "P" {
    step "S" {
      confirm "Deregister ${instance}?"    # expect error line 17 col 29: RB2001 ~ `instance_id`
    }
  }
}
