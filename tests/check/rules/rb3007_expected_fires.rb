# RB3007: within the RTO, but past the expected execution time.
runbook "t" {
  title       "T"
  criticality low
  expected    5m    # expect warning line 5: RB3007 ~ add up to 8m but `expected` is 5m
  rto         15m
  owner       "team-test"
  phase "A" within 4m { step "a" { log "a" } }
  phase "B" within 4m { step "b" { log "b" } }
}
