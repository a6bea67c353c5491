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

  phase "Unclosed" {             # the error names this line
    step "S" {
      log "a"
    }
# expect error line 18: RB1007 ~ to close 'phase' at line 13
