# expect clean
runbook "t" {
  title       "T"
  criticality low
  expected    10m
  rto         15m
  owner       "team-test"
  phase "A" within 5m { step "a" { log "a" } }
  phase "B" within 5m { step "b" { log "b" } }
}
