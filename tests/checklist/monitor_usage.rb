# --monitor takes a positive duration: anything else is a usage error (64)
# and nothing runs.
# args: --monitor soon
# stderr: invalid value 'soon' for '--monitor'
# exit: 64
runbook "monitor-usage" {
  phase "p" {
    step "not run" {
      log "not this"
    }
  }
}
