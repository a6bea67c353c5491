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
      let a = 42
      let b = 1_000
      let c = 0x1f
      let d = 1.5
      let e = 1e3
      let f = 0
      let g = 2.5e-3
      log a, b, c, d, e, f, g
    }
  }
}
