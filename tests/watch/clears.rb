# --once: the condition holds for 1m, then clears before its `for 2m`: it
# does not fire, exit 0.
# command: watch
# args: --once --interval 1m
# format: jsonl
# exit: 0
import "../checklist/lib/series.rb"
runbook "watch-clears" {
  trigger auto "Error rate above 5%" when next_value("series/clears.txt") > 5% for 2m
  phase "Rollback" {
    step "not run by watch" {
      log "rolling back"
    }
  }
}
