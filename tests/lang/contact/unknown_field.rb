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

  contact "DBA" { name "B. Chen" fax "+1 555 0101" }  # expect error line 13: RB2012
}
