# A required param that is missing: exit 64 before anything runs.
# exit: 64
# stderr: nothing was executed
runbook "params-missing" {
  param version : string
  phase "p" {
    step "s" { sh "touch /tmp/rbc-vm-test-should-not-exist" }
  }
}
