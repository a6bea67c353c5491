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

  param flag = true

  phase "P" {
    step "Maybe" when flag {
      let ticket = "T-1"
    }
    step "Use" {
      log ticket                 # expect warning line 20 col 11: RB2016
    }
  }
}
