# RB3001: a secret (or a value computed from one) on a shell command line.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  secret token = env("TOKEN")
  phase "P1" { step "Call" {
    sh "curl -H 'Authorization: ${token}' http://127.0.0.1/"   # expect error line 9: RB3001 ~ secret `token`
    let header = "Bearer " + token
    sh("curl -H ${header} http://127.0.0.1/", check: true)      # expect error line 11: RB3001 ~ holds secret `token`
  } }
}
