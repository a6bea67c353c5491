# check-args: --profile strict
# expect clean
runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-05-01"
  review      90d
  param cluster_name = "prod"
  fn get_state2() {
    return cluster_name
  }
  phase "P" {
    step "S" {
      let _before = get_state2()
      let after = get_state2()
      log after
    }
  }
}
