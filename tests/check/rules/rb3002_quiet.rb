# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  secret token = env("TOKEN")
  phase "P1" { step "Out" {
    log "token length", len("x")
    assert len(token) > 0, "the token is empty"
    assert http 200 "http://127.0.0.1/" headers: {Authorization: token}
  } }
}
