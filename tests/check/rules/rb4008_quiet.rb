# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param ok = true
  fn f(x) {
    if x {
      return 1
    }
    return 2
  }
  phase "P1" { step "A" when ok {
    log f(ok)
    if not ok {
      fail "stop here"
    }
    log "reached"
  } }
}
