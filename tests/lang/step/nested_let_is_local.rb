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
    step "Define" {
      if flag {
        let inner = 1
        log inner
      }
    }
    step "Use" {
      log inner                  # expect error line 23 col 11: RB2001
    }
  }
}
