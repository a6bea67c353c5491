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

  phase "P" {
    step "S" {
      let mean = 150ms
      assert mean < 200ms
      assert mean < 200ms, "mean response ${mean} over 200ms"
      assert len([1, 2]) == 2, "two items"
    }
  }
}
