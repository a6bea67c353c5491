runbook "t" {
  title       "T"
  criticality low
  expected    5mins     # expect error line 4 col 15: RB1003
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"
}
