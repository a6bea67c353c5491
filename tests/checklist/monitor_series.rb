# A monitor value that is a series (a list of datapoints, oldest first) is
# judged by its latest item; an empty series is no data.
# args: --monitor 1m --monitor-interval 1m --inconclusive-limit 2
# exit: 0
runbook "monitor-series" {
  phase "p" {
    step "s" {
      log "rolled back"
    }
  }
  monitor "Error rate datapoints" value [0.07, 0.03, 0.002] normal < 1% alert > 5%
  monitor "Empty series" value [] normal < 1 alert > 2
}
