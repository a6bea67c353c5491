# --troubleshoot NAME runs only that block, as a one-step run: no phases,
# no checklists, no monitors.
# args: --troubleshoot "Restore the database" --monitor 1m
# exit: 0
runbook "troubleshoot-ondemand" {
  param cluster = "payments-db"
  troubleshoot "Restore the database" {
    log "restoring", cluster, "from the latest snapshot"
  }
  phase "p" {
    step "not run" {
      log "not this"
    }
  }
  checklist "Verification" {
    item "not evaluated" verify false
  }
}
