# No data is never normal: null, an empty value and a failing data source
# are "no-data" samples, which make the monitor inconclusive (RB5052,
# exit 1) past the inconclusive limit (2 here).
# args: --monitor 4m --monitor-interval 1m --inconclusive-limit 2
# exit: 1
import "lib/series.rb"
runbook "monitor-nodata" {
  phase "Rollback" {
    step "Deploy" {
      log "deployed"
    }
  }
  monitor "Error rate" value next_value("series/nodata.txt") normal < 1% alert > 5%
}
