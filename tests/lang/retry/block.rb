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
      retry 10 every 30s {
        log "try"
      }
      retry 3 every 1s backoff 2 max 10s {
        log "again"
      }
    }
  }
}
