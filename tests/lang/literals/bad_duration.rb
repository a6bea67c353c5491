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
      let a = 5mins                # expect error line 15 col 15: RB1003
      let b = 30m1h                # expect error line 16 col 15: RB1003
      let c = 1.5s                 # expect error line 17 col 15: RB1003
      let d = 5x                   # expect error line 18 col 15: RB1003
      log a, b, c, d
    }
  }
}
