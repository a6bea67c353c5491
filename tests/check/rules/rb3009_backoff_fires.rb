# RB3009 with backoff and a cap: waits 10s 20s 40s 60s 60s = 3m10s.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "Validate" within 3m {
    step "Health" {
      retry 6 every 10s backoff 2 max 1m {   # expect warning line 9: RB3009 ~ can take 3m10s
        log "probe"
      }
    }
  }
}
