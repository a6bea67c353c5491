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
    step "A" {
      let = 1                    # expect error line 15 col 11: RB1001
    }
    step "B" {
      log (1 +)                  # expect error line 18 col 15: RB1001
    }
    step "C" {
      retyr 3 every 5s {         # expect error line 21 col 13: RB1001 ~ did you mean 'retry'
        log "x"
      }
    }
    step "D" {
      log "after the errors"
      log undefined_after_errors   # expect error line 27 col 11: RB2001
    }
  }
}
