# on failure names a troubleshoot block that does not exist.
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

  phase "P" {
    step "Application" on failure troubleshoot "Rollback stuck" {
      log "deploy"
    }
  }

  troubleshoot "Rollback stuck in progress" {
    log "force a new deployment"
  }
}
# KNOWN FAILURE (2026-11-26 15:35 UTC): the tty renderer omits the "[*] fixable"
# help line and summary suffix of cli.md 4 although the json reports the fix
# (fixable: 1) and `rbc check --fix` applies it; troubleshoot.tty was edited by
# hand to the contract form.
