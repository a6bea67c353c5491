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

  checklist "Manual" {
    item "Database state verified"        # expect info line 14: RB4005
    item "Dashboards looked at"           # expect info line 15: RB4005
  }
}
