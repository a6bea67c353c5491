# expect clean
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

  contact "Incident Commander" { name "A. Ruiz" phone "+1 555 0100" email "ir@example.com" slack "@ir" }
  contact "AWS Support"        { phone "+1 555 0199" }
  contact "DBA" {
    name  "B. Chen"
    phone "+1 555 0101"
  }
}
