# An assertion names its expression, both operand values and the line.
# exit: 1
runbook "assert-fail" {
  phase "p" {
    step "ok" {
      assert 1 + 1 == 2
      assert true
    }
    step "cmp" on failure continue {
      let x = 3
      assert x + 1 == 5
    }
    step "message" on failure continue {
      let latency = 250ms
      assert latency < 200ms, "mean response ${latency} over 200ms"
    }
    step "truth" {
      assert [] == null
    }
  }
}
