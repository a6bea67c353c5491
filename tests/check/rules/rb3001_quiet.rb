# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  secret token = env("TOKEN")
  phase "P1" { step "Call" {
    sh("curl -H \"Authorization: $TOKEN\" http://127.0.0.1/", env: {TOKEN: token})
  } }
}
