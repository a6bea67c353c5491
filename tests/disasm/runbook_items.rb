# Phases and steps with every modifier, retry and wait blocks, assert and
# assert http, parallel branches, a troubleshoot block.
runbook "items" {
  title       "Disasm items"
  criticality low
  rto         15m

  param lb_dns = "lb.example.com"
  secret token = env("TOKEN")

  phase "Immediate" within 2m {
    step "Gate" when lb_dns != "" timeout 1m on failure continue {
      confirm "Go?"
    }
    step "Shell" retry 3 every 5s backoff 2 max 30s on failure troubleshoot "Fix" {
      sh("deploy --token-from-env", env: {TOKEN: token})
    }
  }

  phase "Validate" within 5m {
    step "Health" {
      retry 10 every 30s {
        assert http 2xx GET "http://${lb_dns}/health" timeout: 2s contains "ok" within 500ms
      }
      wait until true every 5s timeout 1m
      assert 1 < 2, "math"
    }
    step "Endpoints" {
      parallel for path in ["/a", "/b"] {
        assert http 200 "http://${lb_dns}${path}"
      }
      parallel 2 {
        log "one"
        log "two"
      }
    }
  }

  troubleshoot "Fix" {
    log "fixing"
  }
}
