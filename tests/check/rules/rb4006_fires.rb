# RB4006: a param and a secret nobody reads.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param region = "eu"           # expect warning line 7: RB4006 ~ param `region`
  secret token = env("TOKEN")   # expect warning line 8: RB4006 ~ secret `token`
}
