# Tabs before an error expand in the excerpt but count as one column each;
# non-ASCII text counts one column per code point.
runbook "t" {
  title       "Golden diagnostics"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  param region = "eu"

  phase "Ünïcode ✓" {
	step "Tabbed" {
		log "café ✓ ${regoin}"
		log "\q"
	}
  }
}
