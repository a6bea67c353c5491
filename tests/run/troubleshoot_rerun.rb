# The step runs once more after its troubleshoot block and fails again.
# exit: 1
runbook "troubleshoot-rerun" {
  troubleshoot "harmless fix" {
    log "fixing"
  }
  phase "p" {
    step "still broken" on failure troubleshoot "harmless fix" {
      log "trying"
      fail "always"
    }
  }
}
