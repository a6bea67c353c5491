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

  phase "P" {
    step "S" {
      aws.paginate("ecs", "update_service", cluster: "a")     # expect error line 15 col 27: RB2002 ~ has no paginator
      aws.paginate("ecs", "list_servics", cluster: "a")     # expect error line 16 col 27: RB2002 ~ `list_services`
      aws.paginate("s3", "list_objects_v2", Bucket: "b", Prefx: "p")     # expect error line 17 col 58: RB2003 ~ `Prefix`
      aws.paginate("s3", "list_objects_v2", Prefix: "p")     # expect error line 18 col 26: RB2023 ~ `Bucket`
    }
  }
}
