# expect clean
# Reads and notifications are no changes; a step with on failure has a path;
# after a capture (let of a read) later changes are covered; a low runbook
# is not held to it.
runbook "t" {
  title       "T"
  criticality high
  rto         15m
  owner       "team-test"
  param cluster = "prod"
  phase "P1" { step "Notify" {
    aws.sns.publish(TopicArn: "arn:aws:sns:eu-west-1:1:ops", Message: "starting")
  } }
  phase "P2" { step "Look" {
    log aws.ecs.list_services(cluster: cluster)
  } }
  phase "P3" { step "Risky" on failure continue {
    sh "systemctl restart api"
  } }
  phase "P4" { step "Capture" {
    let before = aws.ecs.describe_services(cluster: cluster, services: ["api"])
    write_json("before.json", before)
  } }
  phase "P5" { step "Change" {
    aws.ecs.update_service(cluster: cluster, service: "api", forceNewDeployment: true)
  } }
  phase "Probe" { step "Probe" {
    sh "curl -fsS http://127.0.0.1/health"
    sh "kubectl get deploy api"
  } }
}
