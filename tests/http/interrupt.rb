# An interrupt (SIGTERM) during a transfer ends the run at once with 143
# (tests/http.sh sends it once the server has the request).
runbook "http-interrupt" {
  param base : string
  phase "Slow" {
    step "slow request" {
      http.get("${base}/delay/20000?interrupt")
    }
  }
}
