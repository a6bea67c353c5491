# Without `for` a trigger fires at the first sample that holds; monitors are
# sampled once under --once and judged alone: an alert (or no data) exits 1
# as a firing does.
# command: watch
# args: --once
# exit: 1
runbook "watch-nofor" {
  param healthy = false
  trigger auto "Health checks failing" when not healthy
  trigger auto "Never" when false
  monitor "Error rate" value 2% normal < 1% alert > 1.5%
  monitor "Latency" value 120 normal < 500 alert > 2000
  monitor "No data" value null normal < 1 alert > 2
  phase "Rollback" {
    step "not run by watch" {
      log "rolling back"
    }
  }
}
