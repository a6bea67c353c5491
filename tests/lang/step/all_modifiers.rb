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

  param flag = true

  phase "P" {
    step "All" when flag retry 3 every 5s backoff 2 max 1m timeout 10m on failure troubleshoot "Stuck" {
      log "a"
    }
    step "Reordered" on failure continue timeout 10m retry 2 every 1s when not flag {
      log "b"
    }
    step "Timeout first" timeout 30s when flag {
      log "c"
    }
  }

  troubleshoot "Stuck" {
    log "unstick"
  }
}
