# expect clean
# default: reasons are optional; RB4091 is opt-in.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  param unused = 1   # rbc: ignore[RB4006]
  secret token = env("TOKEN")
  phase "P" {
    step "S" {
      log "t", token   # rbc: ignore[RB3002]
    }
  }
}
