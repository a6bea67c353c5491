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
    log "not in a step"         # expect error line 14 col 5: RB1001 ~ expected 'step'
    step "A" {
      log "a"
    }
  }
}
