# A failure tolerated by `on failure continue` does not fail the run.
# exit: 0
runbook "continue-ok" {
  phase "p" {
    step "flaky" on failure continue {
      sh "exit 1"
    }
    step "next" {
      log "still here"
    }
  }
}
