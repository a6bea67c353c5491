# A step whose `when` is false is skipped; its let stays unset, and reading
# it later is a runtime error.
# exit: 1
runbook "when-skip" {
  param env_name = "staging"
  phase "p" {
    step "prod only" when env_name == "prod" {
      let touched = true
    }
    step "always" when env_name != "prod" {
      log "running in", env_name
    }
    step "reads" {
      log touched
    }
  }
}
