# RB4002: tested 2026-01-01, review 90d; RBC_TODAY=2026-06-01 (tests/check_rules.sh).
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  tested      "2026-01-01"   # expect warning line 7: RB4002 ~ 151 days ago
  review      90d
}
