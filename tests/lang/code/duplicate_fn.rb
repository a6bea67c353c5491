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

  fn helper() {
    return 1
  }
  fn helper() {                  # expect error line 16 col 6: RB2006
    return 2
  }

  phase "P" {
    step "S" {
      log helper()
    }
  }
}
