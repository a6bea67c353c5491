runbook "a" {
  title "A"
}
runbook "b" {        # expect error line 4: RB1012
  title "B"
}
