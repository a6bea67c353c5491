# expect clean
# A read written to a file counts as captured state; a user fn that only
# reads is a read.
runbook "t" {
  title       "T"
  criticality critical
  rto         15m
  owner       "team-test"
  fn running() {
    return aws.ecs.describe_services(cluster: "prod", services: ["api"])
  }
  phase "P1" { step "Capture" {
    write_json("state.json", running())
  } }
  phase "P2" { step "Change" {
    confirm "Restart?"
    sh "systemctl restart api"
  } }
}
