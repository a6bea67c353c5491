# RB3007: the phase budgets add up past the RTO.
runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rto         10m   # expect warning line 6: RB3007 ~ add up to 12m but `rto` is 10m
  owner       "team-test"
  phase "A" within 6m { step "a" { log "a" } }
  phase "B" within 6m { step "b" { log "b" } }
}
