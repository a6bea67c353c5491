# expect clean
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P1" { step "Clean" {
    sh "true"
    let res = sh("false", check: false)
    if res.code != 0 {
      log "exit", res.code
    }
  } }
}
