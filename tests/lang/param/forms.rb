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

  param cluster      = env("CLUSTER_NAME")
  param region       : string = "eu-west-1"
  param count        : int = 3
  param ratio        : float = 0.5
  param dry          : bool = false
  param grace        : duration = 30s
  param hosts        : list = ["a", "b"]
  param tags         : map = {team: "payments"}
  param version      : string
  param untyped

  phase "P" {
    step "S" {
      log cluster, region, count, ratio, dry, grace, hosts, tags, version, untyped
    }
  }
}
