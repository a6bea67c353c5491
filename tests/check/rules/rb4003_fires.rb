# check-args: --profile strict
# RB4003 (strict): names not in lower_snake_case.
runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-05-01"
  review      90d
  param clusterName = "prod"     # expect style line 12: RB4003 ~ call it `cluster_name`
  fn GetState() {                # expect style line 13: RB4003 ~ call it `get_state`
    return clusterName
  }
  phase "P" {
    step "S" {
      let Before = GetState()    # expect style line 18: RB4003 ~ binding `Before`
      log Before
    }
  }
}
