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

  param lb_dns  = "lb"
  param cluster = "prod"

  phase "P" {
    step "S" {
      log lb_dsn                 # expect error line 18 col 11: RB2001 ~ `lb_dns`
      log clustr                 # expect error line 19 col 11: RB2001 ~ `cluster`
      log lenn([1])              # expect error line 20 col 11: RB2001 ~ `len`
      log completely_unrelated_name   # expect error line 21 col 11: RB2001
      log lb_dns, cluster
    }
  }
}
