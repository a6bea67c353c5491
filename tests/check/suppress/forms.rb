# rbc: ignore-file[RB4006] -- legacy params kept for the old CLI
# Every form of directive suppresses what it covers, and only that.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param old_a = 1
  param old_b = 2
  secret token = env("TOKEN")
  phase "P" {
    step "Trailing" {
      log "t", token   # rbc: ignore[RB3002] -- masked test token
      log "t", token   # expect warning line 14: RB3002
    }
    # rbc: ignore[secret-in-output, ignored-exit-status] -- whole step: masked token
    step "Next statement" {
      log "t", token
      sh("true", check: false)
    }
    step "After it" {
      log "t", token   # expect warning line 22: RB3002
    }
    # rbc: disable[RB3002] -- range
    step "Range" {
      log "r", token
    }
    # rbc: enable[RB3002]
    step "After range" {
      log "r", token   # expect warning line 30: RB3002
    }
  }
}
