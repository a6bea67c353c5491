# Phase budgets add up to more than the RTO: a primary label on `rto` and a
# secondary one on the largest budget, far enough apart to elide lines.
runbook "t" {
  title       "Golden diagnostics"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  phase "Immediate actions" within 2m {
    step "Notify" {
      log "notify"
    }
  }

  phase "Execute rollback" within 8m {
    step "Database" {
      log "database"
    }
    step "Application" {
      log "application"
    }
  }

  phase "Validate recovery" within 6m {
    step "Health" {
      log "health"
    }
  }
}
