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

  param lb_dns = "lb.example.com"

  fn error_rate() {
    return 0.01
  }

  trigger auto "Health checks failing" when http.get("http://${lb_dns}/health").status != 200 for 5m
  trigger auto "Error rate above 5%"   when error_rate() > 5% for 2m
  trigger manual "Product owner decision based on user impact"
}
