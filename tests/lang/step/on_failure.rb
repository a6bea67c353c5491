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
    step "Continue" on failure continue {
      log "a"
    }
    step "Abort" on failure abort {
      log "b"
    }
    step "Fix" on failure troubleshoot "Stuck" {
      log "c"
    }
  }

  troubleshoot "Stuck" {
    log "unstick"
  }
}
