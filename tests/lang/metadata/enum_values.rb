# expect clean
# every criticality and status value is accepted
runbook "a" {
  title       "A"
  criticality critical
  expected    1h30m
  rpo         0s
  rto         2h
  owner       "x"
  tested      "2024-02-29"
  review      3650d
  status      tested
  version     "2"
}
