# --troubleshoot NAME runs only that block, as a one-step run.
# args: --troubleshoot "Restart workers"
# exit: 0
runbook "troubleshoot-flag" {
  param service = "payments"
  troubleshoot "Restart workers" {
    log "restarting", service
  }
  phase "p" {
    step "never" { log "not this" }
  }
}
