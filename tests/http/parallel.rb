# parallel for over 100 endpoints of which one fails: the step fails with
# that endpoint's assertion, and every endpoint was asked.
runbook "http-parallel" {
  param base : string
  phase "Endpoints" {
    step "Critical endpoints" {
      parallel for i in range(0, 100) {
        let path = "/health?n=${i}"
        if i == 42 {
          path = "/status/500?n=${i}"
        }
        assert http 200 "${base}${path}"
      }
    }
  }
}
