# A phase budget overrun is reported the moment it happens (RB5005, a
# warning): here inside the retry sleeps, at exactly 1m of virtual time.
# max-seconds: 3
# exit: 0
runbook "budget" {
  phase "quick" within 1m {
    step "waits" {
      let n = 0
      retry 4 every 25s {
        n = n + 1
        assert n == 4
      }
    }
    step "after" {
      log "the phase goes on"
    }
  }
  phase "next" within 1h {
    step "fine" { log "ok" }
  }
}
