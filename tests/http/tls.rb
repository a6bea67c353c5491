# TLS: a certificate from an unknown CA or a self-signed one is refused
# (RB5015) unless cacert: names the CA, or insecure: true.
runbook "http-tls" {
  param ca_url : string
  param self_url : string
  param ca_file : string
  phase "TLS" {
    step "unknown CA" on failure continue {
      http.get("${ca_url}/health")
    }
    step "cacert" {
      assert http.get("${ca_url}/health", cacert: ca_file).status == 200
      assert http 200 "${ca_url}/json" cacert: ca_file json "$.status" == "up"
    }
    step "self-signed" on failure continue {
      assert http 200 "${self_url}/health"
    }
    step "insecure" {
      # rbc: ignore[RB3003] -- the test server's certificate is self-signed on purpose
      assert http.get("${self_url}/health", insecure: true).status == 200
    }
  }
}
