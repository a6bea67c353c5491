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

  param instance_id = "i-1"

  phase "P" {
    step "S" {
      confirm "Deregister ${instance_id} from the load balancer?"
      if confirm("Also drain?") {
        log "draining"
      }
    }
  }
}
