# check-args: --profile strict
# RB4007 (strict): a step-level let nothing reads.
runbook "t" {
  title       "T"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-05-01"
  review      90d
  phase "P" {
    step "S" {
      let state = read_file("/etc/hostname")   # expect style line 14: RB4007 ~ `state` is bound and never read
    }
  }
}
