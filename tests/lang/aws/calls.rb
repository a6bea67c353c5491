# expect clean
runbook "t" {
  title       "Language test"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  param cluster = "prod"
  param service = "payments"
  param sns_topic = "arn:aws:sns:eu-west-1:1:ops"

  phase "P" {
    step "S" {
      aws.sns.publish(TopicArn: sns_topic, Message: "Initiating rollback for ${service}")
      let s = aws.ecs.describe_services(cluster: cluster, services: [service])
      aws.ecs.update_service(cluster: cluster, service: service, forceNewDeployment: true)
      log s.services[0].taskDefinition
    }
  }
}
