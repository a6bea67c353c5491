# RB3004: a retry backing off without a cap (a wait always has a timeout).
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param ready = true
  phase "P1" { step "Wait" {
    wait until ready every 5s timeout 1m
    retry 8 every 1s backoff 2 {             # expect warning line 10: RB3004 ~ last wait is 1m4s
      log "x"
    }
  } }
}
