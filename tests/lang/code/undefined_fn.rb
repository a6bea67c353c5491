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

  phase "P" {
    step "S" {
      log error_rat()            # expect error line 19 col 11: RB2001 ~ `error_rate`
    }
  }
}
