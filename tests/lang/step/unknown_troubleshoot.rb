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
    step "S" on failure troubleshoot "Rollback stuck" {   # expect error line 14 col 38: RB2007 ~ `Rollback stuck in progress`
      log "a"
    }
  }

  troubleshoot "Rollback stuck in progress" {
    log "unstick"
  }
}
