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

  param mode = "fast"

  phase "P" {
    step "S" {
      if mode == "fast" {
        log "fast"
      } else if mode == "slow" {
        log "slow"
      } else if mode in ["medium", "average"] {
        log "medium"
      } else {
        log "other"
      }
      if not (mode == "x") and mode != "y" or false {
        log "logic"
      }
    }
  }
}
