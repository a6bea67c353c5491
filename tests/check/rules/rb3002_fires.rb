# RB3002: a secret reaching a log line, an assert message and a URL.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  secret token = env("TOKEN")
  phase "P1" { step "Out" {
    log "token is", token                                  # expect warning line 9: RB3002 ~ a log line
    assert len(token) > 0, "bad token ${token}"            # expect warning line 10: RB3002 ~ an assert message
    assert http 200 "http://127.0.0.1/?t=${token}"         # expect warning line 11: RB3002 ~ a URL
    assert http.get("http://127.0.0.1/?t=${token}").status == 200   # expect warning line 12: RB3002 ~ a URL
    # (the assert condition is no sink)
  } }
}
