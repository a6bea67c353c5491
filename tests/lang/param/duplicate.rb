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

  param region = "a"
  param region = "b"              # expect error line 14 col 9: RB2006

  phase "P" {
    step "S" {
      log region
    }
  }
}
