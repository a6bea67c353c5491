# A troubleshoot block that fails itself, and a step still failing when
# run again after its troubleshoot block: both fail the step, and the
# messages say which happened.
# exit: 1
runbook "troubleshoot-fails" {
  troubleshoot "broken fix" {
    retry 2 every 1s { fail "fix failed" }
  }
  troubleshoot "harmless fix" {
    log "fixing"
  }
  phase "p" {
    step "fix fails" on failure troubleshoot "broken fix" {
      fail "first failure"
    }
  }
}
