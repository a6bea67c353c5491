# RB3003: TLS verification turned off, in assert http and in a call.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P1" { step "Probe" {
    assert http 200 "https://127.0.0.1/" insecure: true        # expect warning line 8: RB3003
    log http.get("https://127.0.0.1/", insecure: true).status  # expect warning line 9: RB3003
  } }
}
