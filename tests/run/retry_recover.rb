# A retry block that succeeds on attempt 3 (a global counter), and a step
# retry modifier with backoff and max; the virtual clock makes 10s + 20s
# and the capped delays take no real time.
# max-seconds: 3
# exit: 0
runbook "retry-recover" {
  phase "p" {
    step "init" {
      let attempts = 0
      let tries = 0
    }
    step "block" {
      retry 5 every 10s backoff 2 {
        attempts = attempts + 1
        log "attempt", attempts
        assert attempts >= 3, "not yet (${attempts})"
      }
      log "recovered after", attempts, "attempts at", now()
    }
    step "modifier" retry 4 every 1m backoff 3 max 2m {
      tries = tries + 1
      assert tries == 4
    }
  }
}
