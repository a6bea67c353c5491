# A misspelled param: undefined-name with a ranked "did you mean".
runbook "t" {
  title       "Golden diagnostics"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  param lb_dns  = "lb.example.com"
  param lb_name = "payments-lb"

  phase "Validate" {
    step "Health" {
      assert http 200 "http://${lb_dsn}/health"
      log lb_name
    }
  }
}
