# expect clean
runbook "t" {
  title       "T"
  criticality critical
  rto         15m
  owner       "team-test"
  phase "P1" { step "Capture" {
    let before = read_file("/etc/api.conf")
  } }
  phase "P2" { step "Restart" {
    confirm "Restart the API?"
    sh "systemctl restart api"
  } }
  phase "P3" { step "Look" {
    log read_file("/etc/api.conf")
  } }
}
