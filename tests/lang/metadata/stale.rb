runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2020-01-01"  # expect warning line 8: RB4002
  review      90d
  status      approved
  version     "1.0"
}
