# --once with nothing firing and every monitor normal: exit 0.
# command: watch
# args: --once --param healthy=true
# exit: 0
runbook "watch-quiet" {
  param healthy = false
  trigger auto "Health checks failing" when not healthy
  monitor "Latency" value 120 normal < 500 alert > 2000
  phase "Rollback" {
    step "not run by watch" {
      log "rolling back"
    }
  }
}
