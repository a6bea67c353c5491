runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15        # expect error line 6 col 15: RB2004
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"
}
