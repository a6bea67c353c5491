# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P1" { step "Deploy" on failure troubleshoot "Rollback stuck" {
    log "deploying"
  } }
  troubleshoot "Rollback stuck" {
    log "fixing"
  }
}
