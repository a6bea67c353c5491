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

  secret token = env("TOKEN")

  phase "P" {
    step "S" {
      token = "x"                  # expect error line 17 col 7: RB2011
      sh("use-token", env: {TOKEN: token})
    }
  }
}
