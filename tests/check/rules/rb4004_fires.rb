# check-args: --enable not-formatted
# RB4004 (production profile, or enabled): not in `rbc fmt` layout.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P" {
    step "S" {
        log   "x"   # expect style line 10: RB4004 ~ not in `rbc fmt` layout
    }
  }
}
