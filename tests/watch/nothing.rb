# Only manual triggers, no monitor: nothing to watch.  The triggers are
# listed and the (continuous) watch ends at once with 0.
# command: watch
# exit: 0
runbook "watch-nothing" {
  trigger manual "Product owner decision"
  trigger manual "Security incident"
}
