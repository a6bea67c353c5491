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

  phase "A" within 10m {         # expect warning line 6: RB3007
    step "A" {
      log "a"
    }
  }
  phase "B" within 10m {
    step "B" {
      log "b"
    }
  }
}
