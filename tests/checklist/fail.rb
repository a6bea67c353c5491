# A verify that is false fails, one whose expression fails is an error; both
# fail the run after every item was checked (RB5050, exit 1, at the first).
# format: jsonl
# exit: 1
runbook "checklist-fail" {
  fn error_rate() {
    return 0.03
  }
  phase "Rollback" {
    step "Deploy" {
      log "deployed"
    }
  }
  checklist "Verification" {
    item "Error rate is below 1%" verify error_rate() < 1%
    item "Health endpoint answers" verify sh("exit 3").code == 0
    item "Logs reviewed"
    item "Still passes" verify error_rate() < 5%
  }
}
