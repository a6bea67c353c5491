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
      let a = 99999999999999999999999   # expect error line 15 col 15: RB1006
      let b = 0x                        # expect error line 16 col 15: RB1006
      log a, b
    }
  }
}
