# expect clean
runbook "t" {
  title       "Language test"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  fn error_rate() {
    return 0.001
  }
  fn cpu() {
    return 0.5
  }
  fn latency() {
    return 100ms
  }

  monitor "Error rate" value error_rate() normal < 0.1% alert > 1%
  monitor "CPU"        value cpu() normal 40% .. 60% alert >= 90%
  monitor "Latency"    value latency() normal <= 200ms alert > 1s
}
