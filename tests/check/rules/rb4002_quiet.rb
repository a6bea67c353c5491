# expect clean
# tested 2026-04-01 is 61 days before RBC_TODAY=2026-06-01: within 90d.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  tested      "2026-04-01"
  review      90d
}
