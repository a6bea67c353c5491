# --failure-limit 2: two alert samples out of five are tolerated (Argo
# Rollouts' failureLimit), so the monitor ends normal and the run passes.
# args: --monitor 4m --monitor-interval 1m --failure-limit 2
# exit: 0
import "lib/series.rb"
runbook "monitor-limit" {
  phase "Rollback" {
    step "Deploy" {
      log "deployed"
    }
  }
  monitor "Error rate" value next_value("series/flaky.txt") normal < 1% alert > 5%
}
