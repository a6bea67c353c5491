# check-args: --profile production
# production: a directive without a reason is RB4091 (style) and, for a
# safety rule, does not suppress it (RB4090 says why).
runbook "t" {
  title       "T"
  criticality low
  rto 15m; expected 5m; rpo 5m; tested "2026-11-01"; review 3650d
  owner       "team-test"
  param unused = 1   # rbc: ignore[RB4006]
  secret token = env("TOKEN")
  phase "P" {
    step "S" {
      log "t", token   # rbc: ignore[RB3002]
      log "t", token   # rbc: ignore[RB3002] -- masked test token
    }
  }
}
# expect style line 9: RB4091
# expect style line 13: RB4091
# expect warning line 13: RB3002
# expect warning line 13: RB4090 ~ needs ` -- reason`
