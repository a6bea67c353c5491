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

  phase "P" {
    step "S" {
      assert http 200 "http://${lb_dsn}/health"   # expect error line 17 col 33: RB2001 ~ `lb_dns`
    }
  }
}
