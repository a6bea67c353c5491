# http.bench on the wire (stdlib/http_bench.c writes the requests and reads
# the replies itself): chunked bodies, bodies up to the end of the
# connection, Connection: close, connections closed while idle, mixed
# statuses, HEAD, the request it writes, every failure kind (a malformed
# reply, a reset, a timeout, TLS), benches in `parallel` branches, and
# https.  The driver checks the server's log (connections, headers, bodies).
runbook "http-bench-wire" {
  param base     : string
  param ca_url   : string
  param self_url : string
  param ca_file  : string
  phase "Wire" {
    step "chunked" {
      let c = http.bench("${base}/chunked/70000?wire", requests: 40, concurrency: 2)
      assert c.requests == 40 and c.failed == 0 and c.statuses["200"] == 40
      log "chunked", c.requests, c.failed
    }
    step "close" {
      let c = http.bench("${base}/close?wire", requests: 30, concurrency: 3)
      assert c.requests == 30 and c.failed == 0 and c.statuses["200"] == 30
      let e = http.bench("${base}/eof?wire", requests: 10, concurrency: 2)
      assert e.requests == 10 and e.failed == 0 and e.statuses["200"] == 10
      let q = http.bench("${base}/quiet-close?wire", requests: 20, concurrency: 2)
      assert q.requests == 20 and q.failed == 0 and q.statuses["200"] == 20
      log "close", c.requests, e.requests, q.requests
    }
    step "mixed" {
      let m = http.bench("${base}/seq/500,200/wire", requests: 10, concurrency: 1)
      assert m.requests == 10 and m.failed == 1
      assert m.statuses["500"] == 1 and m.statuses["200"] == 9
      let h = http.bench("${base}/json?wire", requests: 6, concurrency: 2, method: "HEAD")
      assert h.failed == 0 and h.statuses["200"] == 6
      log "mixed", m.failed, h.requests
    }
    step "request" {
      let p = http.bench("${base}/echo?wire", requests: 5, concurrency: 1, method: "PUT",
                         headers: {"X-Wire": "yes", "Accept": "text/plain"}, body: "payload")
      assert p.failed == 0
      log "request", p.requests
    }
    step "malformed" on failure continue {
      http.bench("${base}/garbage?wire", requests: 4, concurrency: 2)
    }
    step "reset" on failure continue {
      http.bench("${base}/reset?wire", requests: 4, concurrency: 2)
    }
    step "timeout" on failure continue {
      http.bench("${base}/delay/1500?wire", requests: 2, concurrency: 2, timeout: 300ms)
    }
    step "parallel" {
      parallel for i in range(0, 3) {
        let p = http.bench("${base}/health?par=${i}", requests: 20, concurrency: 2)
        assert p.failed == 0 and p.statuses["200"] == 20
        http.get("${base}/delay/50?par")
      }
      log "parallel done"
    }
    step "https" {
      let t = http.bench("${ca_url}/chunked/3000?wire", requests: 30, concurrency: 3,
                         cacert: ca_file)
      assert t.requests == 30 and t.failed == 0 and t.statuses["200"] == 30
      let i = http.bench("${self_url}/health?wire", requests: 10, concurrency: 2, insecure: true)
      assert i.failed == 0 and i.statuses["200"] == 10
      let k = http.bench("${ca_url}/close?wire", requests: 6, concurrency: 2, cacert: ca_file)
      assert k.failed == 0
      log "https", t.requests, i.requests, k.requests
    }
    step "self-signed" on failure continue {
      http.bench("${self_url}/health?wire", requests: 3, concurrency: 1)
    }
  }
}
