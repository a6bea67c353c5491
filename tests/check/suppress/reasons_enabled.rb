# check-args: --enable suppression-without-reason
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param unused = 1   # rbc: ignore[RB4006]
  phase "P" { step "S" { log unused } }
}
# expect style line 7: RB4091
# expect warning line 7: RB4090 ~ suppressed no finding
