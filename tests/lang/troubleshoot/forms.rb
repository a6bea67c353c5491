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

  param service = "payments"

  phase "P" {
    step "Application" on failure troubleshoot "Rollback stuck in progress" {
      log service
    }
  }

  troubleshoot "Rollback stuck in progress" {
    log "forcing a new deployment of ${service}"
  }
  troubleshoot "Run on demand" {
    sh "echo manual"
  }
}
