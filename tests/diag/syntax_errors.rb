# Several syntax errors in one file, each reported once, then an unclosed block.
runbook "t" {
  title       "Golden diagnostics"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  phase "Broken" {
    step "One" {
      let = 1
    }
    step "Two" {
      log (1 +)
    }
    step "Three" {
      retyr 3 every 5s {
        log "x"
      }
    }
    step "Four" {
      log "still parsed"
    }
