# check-args: --profile strict
# strict: every attribute of the template (expected, rpo, tested, review too).
runbook "t" {   # expect warning line 3: RB4001 ~ no `expected`
  # expect warning line 3: RB4001 ~ no `rpo`
  # expect warning line 3: RB4001 ~ no `tested`
  # expect warning line 3: RB4001 ~ no `review`
  # expect warning line 3: RB4001 ~ no `criticality`
  title       "T"
  rto         15m
  owner       "team-test"
}
