# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P1" { step "Probe" {
    assert http 200 "https://127.0.0.1/" insecure: false
    log http.get("https://127.0.0.1/").status
  } }
}
