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
      let a = []
      let b = [1, "two", 3.0, [4], {five: 5}]
      let c = {}
      let d = {key: 1, "any key": 2, nested: {x: [1, 2]}}
      let e = true
      let f = false
      let g = null
      log a, b, c, d, e, f, g, b[0], d.nested.x[1], d["any key"]
    }
  }
}
