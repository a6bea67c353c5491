# The runbook-semantic rules in every format: a change with no failure path
# (RB3008), a retry over its phase budget (RB3009), an ignored exit status
# (RB3006), a back-off without a cap (RB3004), unreachable code (RB4008).
runbook "t" {
  title       "Golden diagnostics"
  criticality high
  expected    10m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  param cluster = "prod"

  phase "Execute" within 5m {
    step "Scale down" {
      aws.ecs.update_service(cluster: cluster, service: "api", desiredCount: 0)
    }
    step "Health" timeout 30s retry 10 every 20s on failure continue {
      sh("curl -fsS http://127.0.0.1/health", check: false)
      retry 8 every 1s backoff 2 {
        log "probe"
      }
      fail "unhealthy"
      log "never"
    }
  }
}
