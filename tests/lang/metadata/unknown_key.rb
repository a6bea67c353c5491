runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  ownr        "team-test"   # expect error line 7 col 3: RB2012 ~ `owner`
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"
}
