# confirm without --yes and without a terminal halts the run: exit 2.
# exit: 2
runbook "confirm-notty" {
  phase "p" {
    step "gate" {
      confirm "Proceed?"
      log "never"
    }
    step "after" { log "never" }
  }
}
