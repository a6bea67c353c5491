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
      for host in ["a", "b"] {
        log host
      }
      for key, value in {a: 1, b: 2} {
        log key, value
      }
      let total = 0
      for n in [1, 2, 3] {
        total = total + n
      }
      log total
    }
  }
}
