# RB3005: a critical runbook's change with no confirm before it in the step;
# a user fn that changes something is a change too.
runbook "t" {
  title       "T"
  criticality critical
  rto         15m
  owner       "team-test"
  fn restart() {
    sh "systemctl restart api"
  }
  phase "P1" { step "Capture" {
    let before = read_file("/etc/api.conf")
  } }
  phase "P2" { step "Restart" {
    restart()                       # expect warning line 15: RB3005 ~ without a `confirm` gate
    confirm "too late"
  } }
}
