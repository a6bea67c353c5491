# A secret in a header (and in a URL) is sent but never printed: the server
# echoes it back in bodies that are logged and shown in a failure.
runbook "http-secret" {
  param base : string
  secret token = env("RBC_TEST_TOKEN")
  phase "Secrets" {
    step "header" {
      let r = http.get("${base}/echo", headers: {Authorization: "Bearer ${token}"})
      log r.body
      assert r.json.headers.authorization == "Bearer ${token}"
    }
    step "url" {
      let u = http.get("${base}/echo?key=${token}")
      log u.body
      log u.url
    }
    step "failure shows the body" on failure continue {
      assert http 500 "${base}/echo" headers: {"X-Api-Key": token}
    }
    step "network failure" on failure continue {
      http.get("http://127.0.0.1:1/?key=${token}")
    }
  }
}
