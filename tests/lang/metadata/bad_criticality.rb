runbook "t" {
  title       "T"
  criticality hihg      # expect error line 3 col 15: RB2005 ~ `high`
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"
}
