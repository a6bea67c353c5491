# --once: the trigger holds at 0, 1m and 2m, so its `for 2m` window is
# covered: trigger_fired, exit 1.  The manual trigger is listed, never fired.
# command: watch
# args: --once --interval 1m
# exit: 1
import "../checklist/lib/series.rb"
runbook "watch-fires" {
  trigger auto "Error rate above 5%" when next_value("series/holds.txt") > 5% for 2m
  trigger manual "Product owner decision"
  phase "Rollback" {
    step "not run by watch" {
      log "rolling back"
    }
  }
}
