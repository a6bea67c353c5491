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
      let a = 5%
      let b = 0.1%
      let c = 100%
      log a, b, c, a > b
    }
  }
}
