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

  monitor "Errors" value error_rate() normal < 0.1%   # expect error line 17: RB1001
}
