# expect warning line 2: RB4001 ~ owner
runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"
}
