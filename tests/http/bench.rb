# http.bench: the result fields (the driver checks the server saw the
# requests over at most `concurrency` keep-alive connections).
runbook "http-bench" {
  param base : string
  phase "Performance" {
    step "bench" {
      let b = http.bench("${base}/health?bench", requests: 300, concurrency: 4)
      assert b.requests == 300
      assert b.failed == 0
      assert b.statuses["200"] == 300
      assert b.rps > 0.0
      assert b.min <= b.p50 and b.p50 <= b.p90 and b.p90 <= b.p95 and b.p95 <= b.p99
      assert b.p99 <= b.max and b.mean <= b.max
      log "bench", b.requests, b.failed, len(keys(b.statuses))
      let f = http.bench("${base}/status/503", requests: 20, concurrency: 3, method: "POST", body: "x")
      assert f.failed == 20
      assert f.statuses["503"] == 20
    }
    step "nothing answers" on failure continue {
      http.bench("http://127.0.0.1:1/", requests: 5, concurrency: 2)
    }
  }
}
