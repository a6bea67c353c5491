# RB3008: a high runbook changes something before any state was captured,
# with no on failure; an sh command counts as a change.
runbook "t" {
  title       "T"
  criticality high
  rto         15m
  owner       "team-test"
  param cluster = "prod"
  phase "P1" { step "Scale down" {
    aws.ecs.update_service(cluster: cluster, service: "api", desiredCount: 0)   # expect warning line 10: RB3008 ~ `aws.ecs.update_service`
  } }
  phase "P2" { step "Restart" {
    sh "systemctl restart api"   # expect warning line 13: RB3008 ~ no `on failure`
  } }
  phase "P3" { step "Purge" {
    sh "curl -fsS -X POST http://127.0.0.1/purge"   # expect warning line 16: RB3008 ~ `sh`
  } }
}
