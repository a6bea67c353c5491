# tests/report.sh: a checklist after the steps: one item verified, one false,
# one manual item nobody can confirm without a terminal (the JUnit checklist suite).
runbook "rep-checklist" {
  phase "Only" {
    step "Work" { log "w" }
  }
  checklist "After the rollback" {
    item "Service answers" verify 1 == 1
    item "Numbers add up" verify 1 == 2
    item "A person looked at the dashboard"
  }
}
