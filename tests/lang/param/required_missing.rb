# check-args: --param given=1
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

  param given  : int
  param needed : string           # expect error line 15 col 9: RB2008

  phase "P" {
    step "S" {
      log given, needed
    }
  }
}
