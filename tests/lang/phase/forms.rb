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

  phase "First" within 2m {
    step "A" {
      log "a"
    }
  }
  phase "Second" {
    step "B" {
      log "b"
    }
    step "C" {
      log "c"
    }
  }
  phase "Empty" within 1m {
  }
}
