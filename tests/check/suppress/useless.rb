# Directives that suppress nothing, name an unknown code or a syntax code.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P" {
    step "S" {
      log "clean"   # rbc: ignore[RB3002] -- nothing here
      log "x"       # rbc: ignore[RB3999] -- no such code
      log "y"       # rbc: ignore[RB1001] -- syntax cannot be silenced
      log "z"       # rbc: ignore -- no code list
    }
  }
}
# expect warning line 9: RB4090 ~ suppressed no finding
# expect warning line 10: RB4090 ~ unknown code `RB3999`
# expect warning line 11: RB4090 ~ `RB1001` cannot be suppressed
# expect warning line 12: RB4090 ~ expected ignore[CODE]
