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
      let x = 1
      x = x + 1
      let m = {a: 1, b: [1, 2]}
      m.a = 2
      m.b[0] = x
      let l = [1, 2, 3]
      l[1] = m.a
      log x, m, l
    }
  }
}
