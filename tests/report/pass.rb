# tests/report.sh: a run that passes, with a gate answered by --yes and a checklist.
runbook "rep-pass" {
  rto 5m
  secret token = env("REPORT_TOKEN")
  phase "Only" within 1m {
    step "Gate" { confirm "Proceed?" }
    step "Work" {
      sh("test -n \"$T\"", env: {T: token})
      log "worked"
    }
  }
}
