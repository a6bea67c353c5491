# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param ready = true
  phase "P1" { step "Wait" {
    wait until ready every 5s timeout 1m
    retry 8 every 1s backoff 2 max 30s { log "x" }
    retry 4 every 1s backoff 1.5 { log "y" }
  } }
}
