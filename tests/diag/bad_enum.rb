# A metadata value outside its set, and a bad duration unit.
runbook "t" {
  title       "Golden diagnostics"
  criticality hihg
  expected    5mins
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      aproved
  version     "1.0"
}
