# RB4008: statements after fail / return / assert false; a step when false.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  fn f() {
    return 1
    log "dead"          # expect warning line 9: RB4008 ~ after `return`
  }
  phase "P1" { step "A" {
    log f()
    fail "stop here"
    log "dead"          # expect warning line 14: RB4008 ~ after `fail`
  } }
  phase "P2" { step "B" when false { # expect warning line 16: RB4008 ~ never runs
    assert false, "never"
  } }
  troubleshoot "T" {
    if true {
      assert false
      log "dead"        # expect warning line 22: RB4008 ~ after `assert false`
    }
  }
}
