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

  param region : strng = "x"      # expect error line 13 col 18: RB2014 ~ `string`

  phase "P" {
    step "S" {
      log region
    }
  }
}
