# on failure continue (reported, the run goes on), troubleshoot (the block
# runs, the step runs again and is recovered), abort (the run stops).
# exit: 1
runbook "on-failure" {
  troubleshoot "Reset the flag" {
    log "troubleshooting"
    fixed = true
  }
  phase "p" {
    step "init" {
      let fixed = false
    }
    step "tolerated" on failure continue {
      fail "this one may fail"
    }
    step "repaired" on failure troubleshoot "Reset the flag" {
      log "fixed is", fixed
      assert fixed
    }
    step "fatal" on failure abort {
      sh "exit 4"
    }
    step "skipped by abort" {
      log "never"
    }
  }
  phase "later" {
    step "also not run" {
      log "never"
    }
  }
}
