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
      parallel {
        log "one"
        log "two"
      }
      parallel 2 {
        log "three"
        log "four"
      }
      parallel for path in ["/a", "/b", "/c"] {
        log path
      }
      parallel 4 for path in ["/d", "/e"] {
        log path
      }
    }
  }
}
