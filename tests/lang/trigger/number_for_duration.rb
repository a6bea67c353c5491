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
    return 0.01
  }
  trigger auto "High errors" when error_rate() > 5% for 2     # expect error line 16 col 57: RB2004
}
