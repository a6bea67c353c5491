# tests/report.sh: a confirm gate without --yes and without a terminal halts the run.
runbook "rep-halt" {
  phase "Only" {
    step "Before" { log "before" }
    step "Gate" { confirm "Deregister the instance?" }
    step "After" { log "after" }
  }
}
