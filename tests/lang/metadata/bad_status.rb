runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      aproved   # expect error line 10 col 15: RB2005 ~ `approved`
  version     "1.0"
}
