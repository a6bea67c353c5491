# Every attempt fails: RB5004 wraps the last failure; later steps do not run.
# format: jsonl
# exit: 1
runbook "retry-exhausted" {
  phase "p" {
    step "health" {
      let status = 503
      retry 3 every 30s {
        assert status == 200
      }
    }
    step "after" {
      log "never"
    }
  }
}
