# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param region = "eu"
  secret token = env("TOKEN")
  phase "P1" { step "Use" {
    sh("deploy --region ${region}", env: {TOKEN: token})
  } }
}
