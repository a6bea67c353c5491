# A sample over the alert threshold (failure limit 0): the monitor alerts at
# once and sampling stops (RB5051, exit 1).  A sample between the thresholds
# is inconclusive, tolerated here by --inconclusive-limit 1; the second
# monitor, normal so far, is judged on the samples taken.
# format: jsonl
# args: --monitor 4m --monitor-interval 1m --inconclusive-limit 1
# exit: 1
import "lib/series.rb"
runbook "monitor-alert" {
  phase "Rollback" {
    step "Deploy" {
      log "deployed"
    }
  }
  monitor "Error rate" value next_value("series/alert.txt") normal < 1% alert > 5%
  monitor "Utilisation" value 50% normal 40% .. 60% alert >= 90%
}
