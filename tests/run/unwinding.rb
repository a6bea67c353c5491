# Errors unwind through fn frames to the retry that encloses the call; a
# step timeout is not retried; retries inside parallel branches.
# exit: 1
runbook "unwinding" {
  fn boom(n) {
    if n == 0 { return [1][5] }
    return boom(n - 1)
  }
  phase "p" {
    step "deep error in retry" on failure continue {
      retry 2 every 1s { log boom(3) }
    }
    step "timeout beats retry" timeout 5s on failure continue {
      retry 100 every 2s { fail "x" }
    }
    step "parallel with retry" {
      parallel for i in [1, 2] {
        retry 2 every 1s { assert i == 2 }
      }
    }
  }
}
