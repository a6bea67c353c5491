# Warnings and an info finding, no errors (exit 1 under the default --fail-on=warning).
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

  param unused_region = "eu"
  secret token = env("TOKEN")

  phase "P" {
    step "S" {
      log "token ${token}"
      assert http 200 "https://self-signed.example.com/" insecure: true
    }
  }

  checklist "Manual" {
    item "Dashboards looked at"
  }
}
