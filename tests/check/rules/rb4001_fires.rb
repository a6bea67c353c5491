# RB4001: no owner and no rto (title and criticality: strict only).
runbook "t" {   # expect warning line 2: RB4001 ~ no `owner`
  # expect warning line 2: RB4001 ~ no `rto`
  status draft
}
