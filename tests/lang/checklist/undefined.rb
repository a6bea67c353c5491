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

  fn running_version() {
    return "41"
  }

  checklist "C" {
    item "Version" verify running_versoin() == "41"   # expect error line 18 col 27: RB2001 ~ `running_version`
  }
}
