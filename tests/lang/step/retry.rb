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
    step "Simple" retry 3 every 10s {
      log "a"
    }
    step "Backoff" retry 5 every 1s backoff 2 max 30s {
      log "b"
    }
    step "Backoff float" retry 5 every 250ms backoff 1.5 {
      log "c"
    }
  }
}
