# tests/report.sh: interrupted by SIGINT while its second step sleeps.
runbook "rep-intr" {
  phase "Only" {
    step "Start" { sh "touch \"$MARK\"" }
    step "Sleep" { sh "echo $$ >\"$MARK.pid\"; exec sleep 30" }
    step "After" { log "after" }
  }
}
