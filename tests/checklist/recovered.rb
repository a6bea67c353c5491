# on failure troubleshoot: the step fails, the block repairs what failed,
# the step runs once more and passes: `recovered`, which does not fail the
# run; the checklist then runs.
# exit: 0
runbook "troubleshoot-recovered" {
  troubleshoot "Force new deployment" {
    log "forcing a new deployment"
    write_file(env("HOME") + "/deployed", "yes")
  }
  phase "Rollback" {
    step "Application" on failure troubleshoot "Force new deployment" {
      assert exists(env("HOME") + "/deployed"), "the deployment is not there"
      log "deployment found"
    }
  }
  checklist "Verification" {
    item "Deployment settled" verify exists(env("HOME") + "/deployed")
  }
}
