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

  fn first() {
    let inner = 1
    return inner
  }
  fn second() {
    return inner                 # expect error line 18 col 12: RB2001
  }

  phase "P" {
    step "S" {
      log first(), second()
    }
  }
}
