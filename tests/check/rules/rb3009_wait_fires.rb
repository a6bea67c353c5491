# RB3009: a wait whose timeout is longer than its phase budget.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param ready = true
  phase "Validate" within 5m {
    step "Wait" {
      wait until ready every 5s timeout 10m   # expect warning line 10: RB3009 ~ can take 10m
    }
  }
}
