# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
}
