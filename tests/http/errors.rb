# Every network failure has its own code (RB5012-RB5019).
runbook "http-errors" {
  param base : string
  phase "Errors" {
    step "refused" on failure continue {
      http.get("http://127.0.0.1:1/health")
    }
    step "dns" on failure continue {
      http.get("http://no-such-host.invalid/health")
    }
    step "timeout" on failure continue {
      http.get("${base}/delay/5000", timeout: 300ms)
    }
    step "reset" on failure continue {
      http.get("${base}/reset")
    }
    step "too large" on failure continue {
      http.get("${base}/big/17000000")
    }
    step "too large chunked" on failure continue {
      http.get("${base}/chunked/17000000")
    }
    step "not http" on failure continue {
      http.get("${base}/garbage")
    }
    step "redirect loop" on failure continue {
      http.get("${base}/loop", follow: true)
    }
    step "bad url" on failure continue {
      http.get("ftp://127.0.0.1/file")
    }
    step "no scheme" on failure continue {
      http.get("127.0.0.1/health")
    }
    step "step timeout" timeout 500ms on failure continue {
      http.get("${base}/delay/5000")
    }
    step "assert refused" on failure continue {
      assert http 200 "http://127.0.0.1:1/health"
    }
  }
}
