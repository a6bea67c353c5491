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

  fn double(x) {
    return x * 2
  }

  phase "P" {
    step "S" {
      log double(1, 2)           # expect error line 19 col 11: RB2009
      log len()                  # expect error line 20 col 11: RB2009
    }
  }
}
