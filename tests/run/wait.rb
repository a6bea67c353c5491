# wait until: one that holds after a few polls, one that times out (RB5003).
# exit: 1
runbook "wait" {
  phase "p" {
    step "settles" {
      let t0 = now()
      wait until now() - t0 >= 15s every 5s timeout 1m
      log "settled after", now() - t0
    }
    step "never" {
      wait until 1 == 2 every 5s timeout 20s
    }
  }
}
