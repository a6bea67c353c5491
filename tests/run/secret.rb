# A secret is masked in logs, interpolations and assertion values, reaches
# a command through env:, and is refused on a command line (RB3001).
# env: S=sentinel-value-123
# absent: sentinel-value-123
# absent: second-token-456
# exit: 1
runbook "secret" {
  secret s = env("S")
  secret tokens = [env("S"), "second-token-456"]
  fn run(v) {
    return sh("echo ${v}")
  }
  phase "p" {
    step "masked" {
      log "the secret is", s
      log "interpolated: ${s}!"
      let m = {token: s, user: "ops"}
      log m, m.token, len(s)
      for t in tokens {
        log "token", t
      }
      for i, t in tokens {
        log "token", i, t
      }
    }
    step "through env" {
      sh("test \"$S\" = sentinel-value-123", env: {S: s})
      let r = sh("printf '%s' \"$S\"", env: {S: s})
      log "child printed", r.stdout
    }
    step "assert shows ***" on failure continue {
      assert s == "other-value"
    }
    step "no command line" {
      run(s)
    }
  }
}
