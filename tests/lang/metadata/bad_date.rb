runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-02-30"  # expect error line 8: RB2013
  review      3650d
  status      approved
  version     "1.0"
}
