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

  resource logs      "cloudwatch:/aws/ecs/payments-api"
  resource dashboard "https://example.com/dashboards/payments"

  phase "P" {
    step "S" {
      log "logs are in ${logs}, graphs at ${dashboard}"
    }
  }
}
