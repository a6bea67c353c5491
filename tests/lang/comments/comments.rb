# expect clean
# a comment before the runbook
runbook "t" {   # trailing comment after a brace
  # own-line comment among metadata
  title       "Language test"   # trailing
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"
  #
  phase "P" {  # on the phase line
    # before a step
    step "S" {
      let m = {
        a: 1,   # inside a map
        # own line inside a map
        b: 2
      }
      let s = "# not a comment"
      log m, s  # after a statement
    }
  }
}
# after the runbook
