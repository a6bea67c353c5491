# Checklists verify a run that went through: after a failed step they do not
# run (the run already failed), and neither do monitors.
# args: --monitor 5m
# exit: 1
runbook "checklist-after-failure" {
  phase "Rollback" {
    step "Deploy" {
      fail "the deployment failed"
    }
  }
  checklist "Verification" {
    item "never evaluated" verify true
  }
  monitor "never sampled" value 1 normal < 2 alert > 3
}
