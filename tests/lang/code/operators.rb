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
      let a = 1 + 2 * 3 - 4 / 2 % 3
      let b = -a
      let c = a == b or a != b and a < b or a <= b or a > b or a >= b
      let d = {k: 1}.missing ?? "default"
      let e = 30s + 5m * 2 - 1s
      let f = now() - 5m
      let g = "con" + "cat"
      let h = 2 in [1, 2]
      log a, b, c, d, e, f, g, h
    }
  }
}
