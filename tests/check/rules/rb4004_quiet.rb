# check-args: --enable not-formatted
# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P" {
    step "S" {
      log "x"
    }
  }
}
