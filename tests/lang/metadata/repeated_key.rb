runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  owner       "team-other"  # expect error line 8: RB2012
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"
}
