# --monitor 3m every 1m: samples at 0, 1m, 2m and 3m, all under the normal
# threshold: the monitor is normal and the run passes.
# args: --monitor 3m --monitor-interval 1m
# exit: 0
import "lib/series.rb"
runbook "monitor-normal" {
  phase "Rollback" {
    step "Deploy" {
      log "deployed"
    }
  }
  monitor "Error rate" value next_value("series/normal.txt") normal < 0.5% alert > 5%
}
