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

  monitor "Errors" value eror_rate() normal < 0.1% alert > 1%   # expect error line 17 col 26: RB2001 ~ `error_rate`
}
