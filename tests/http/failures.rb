# Failing assert http checks: each names the status, time, URL and body.
runbook "http-failures" {
  param base : string
  phase "Checks" {
    step "status" on failure continue {
      assert http 200 "${base}/status/503"
    }
    step "class" on failure continue {
      assert http 2xx "${base}/status/404"
    }
    step "contains" on failure continue {
      assert http 200 "${base}/json" contains "down"
    }
    step "json" on failure continue {
      assert http 200 "${base}/json" json "$.status" == "down"
    }
    step "json missing" on failure continue {
      assert http 200 "${base}/json" json "$.items[5].id" == 1
    }
    step "header" on failure continue {
      assert http 200 "${base}/json" header "X-Request-Id" == "zzz"
    }
    step "within" on failure continue {
      assert http 200 "${base}/delay/300" within 1ms
    }
    step "json path" on failure continue {
      assert http 200 "${base}/json" json "$.items[" == 1
    }
  }
}
