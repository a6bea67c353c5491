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
      let counter = 0
      wait until countr > 3 every 5s timeout 1m   # expect error line 16 col 18: RB2001 ~ `counter`
    }
  }
}
