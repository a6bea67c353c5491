# tests/report.sh: a run that fails in its second phase; a third never starts.
runbook "rep-fail" {
  title "Report: a failing run"
  rto   10m
  secret token = env("REPORT_TOKEN")
  phase "Prepare" within 1m {
    step "Authenticate" {
      let r = sh("echo \"token is $T\"", env: {T: token})
      log r.stdout
    }
    step "Database" when 1 > 2 { log "skipped" }
  }
  phase "Rollback" within 45s {
    step "Health" retry 3 every 30s {
      assert 503 == 200, "the service is not healthy"
    }
    step "Traffic" { log "never" }
  }
  phase "Validate" within 5m {
    step "Endpoints" { log "never" }
  }
}
