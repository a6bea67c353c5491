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

  fn double(x) {
    return x * 2
  }
  fn pick(a, b) {
    if a > b {
      return a
    }
    return b
  }
  fn nothing() {
    log "side effect"
    return
  }

  phase "P" {
    step "S" {
      log double(2), pick(1, 2)
      nothing()
    }
  }
}
