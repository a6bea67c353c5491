# expect clean
runbook "t" {
  title       "Language test"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  phase "One" {
    step "Create incident" {
      let incident_id = "INC-1"
    }
  }
  phase "Two" {
    step "Use incident" {
      log "incident ${incident_id}"
    }
  }
}
