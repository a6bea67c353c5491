# RB2007: on failure names a troubleshoot block that does not exist.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P1" { step "Deploy" on failure troubleshoot "Rollbak stuck" {   # expect error line 7: RB2007 ~ did you mean
    log "deploying"
  } }
  troubleshoot "Rollback stuck" {
    log "fixing"
  }
}
