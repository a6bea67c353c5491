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

  param region = "eu"

  fn f(x) {
    let region = x               # expect warning line 16 col 9: RB2020
    return region
  }

  phase "P" {
    step "S" {
      log region, f(1)
    }
  }
}
