# expect clean
# 10 attempts every 30s: 9 waits = 4m30s, within the 5m phase; the wait fits too.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param ready = true
  phase "Validate" within 5m {
    step "Health" retry 10 every 30s {
      log "probe"
    }
    step "Wait" {
      wait until ready every 5s timeout 5m
      retry 3 every 10s backoff 2 max 1m { log "x" }
    }
  }
}
