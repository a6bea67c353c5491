# RB3009: 10 attempts of up to 30s plus 9 waits of 20s = 8m, in a 5m phase.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "Validate" within 5m {
    step "Health" timeout 30s retry 10 every 20s {   # expect warning line 8: RB3009 ~ can take 8m in the worst case
      log "probe"
    }
  }
}
