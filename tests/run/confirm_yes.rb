# confirm with --yes: answered yes, journaled as by --yes.
# args: --yes
# exit: 0
runbook "confirm-yes" {
  param instance = "i-123"
  phase "p" {
    step "gate" {
      confirm "Deregister ${instance}?"
      log "deregistered"
    }
  }
}
