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

  phase "P" {
    step "S" {
      aws.ecs.update_service(cluster: "prod", service: "api", desiredCount: "2")     # expect error line 15 col 77: RB2024 ~ takes an int
      aws.ecs.update_service(cluster: "prod", service: "api", forceNewDeployment: 1)     # expect error line 16 col 83: RB2024 ~ takes a bool
      aws.cloudwatch.get_metric_statistics(Namespace: "n", MetricName: "m", StartTime: now() - 5m,
                                           EndTime: "2026-11-26T12:00:00Z", Period: 60)
    }
  }
}
