# retry 10 every 30s { assert http 200 ... } recovers on the third answer
# (503, 503, 200) on the virtual clock: two retry events, then the step passes.
runbook "http-retry" {
  param base : string
  phase "Validate recovery" {
    step "Health" {
      retry 10 every 30s {
        assert http 200 "${base}/seq/503,503,200/health"
      }
    }
    step "Network errors retry too" on failure continue {
      retry 3 every 5s {
        http.get("http://127.0.0.1:1/refused")
      }
    }
  }
}
