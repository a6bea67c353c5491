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

  phase "P" {
    step "S" {
      let a = 7
      let b = 10%a
      let c = 10 % 3
      let d = 10%(3)
      log a, b, c, d
    }
  }
}
