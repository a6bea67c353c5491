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

  param expected_version = "41"

  fn running_version() {
    return "41"
  }

  checklist "Data integrity" {
    item "Previous version running" verify running_version() == expected_version
    item "Nothing left behind" verify not exists("/tmp/rollback.lock")
  }
}
