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
      let a = 250ms
      let b = 30s
      let c = 5m
      let d = 2h
      let e = 1d
      let f = 1h30m
      let g = 1d2h3m4s5ms
      log a, b, c, d, e, f, g
    }
  }
}
