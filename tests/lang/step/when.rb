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

  param deployment_id = "none"

  phase "P" {
    step "Database" when exists("/tmp/deployment_${deployment_id}/db_migrated") {
      log "migrated"
    }
    step "Other" when deployment_id != "none" and not exists("/tmp/x") {
      log "other"
    }
  }
}
