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

  phase "P" within 2mins {       # expect error line 13 col 20: RB1003
    step "A" {
      log "a"
    }
  }
}
