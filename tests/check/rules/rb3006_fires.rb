# RB3006: sh with check: false whose result is dropped or never read.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P1" { step "Clean" {
    sh("rm -f /tmp/x", check: false)          # expect warning line 8: RB3006 ~ thrown away
    let res = sh("false", check: false)       # expect warning line 9: RB3006 ~ never read
  } }
}
