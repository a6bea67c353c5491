# The fused instructions the compiler picks (docs/bytecode.md 8 "Fused
# instructions"): ADD_LL SUB_LL ADD_LK SUB_LK on every operand type they
# accept, JUMP_IF_NOT_EQ .. _GE on ints and on everything else, RETURN_LOCAL
# and CALL_FN, and calls through a fn value (the same frame fast path).  The results,
# the taint and the errors are those of the unfused operators: a secret int
# plus 1 is still a secret, an overflow and a bad operand type are RB5011.
# exit: 1
runbook "fused_ops" {
  secret si = 41
  fn inc(x) {
    return x + 1
  }
  fn dec(x) {
    return x - 1
  }
  fn plus(a, b) {
    return a + b
  }
  fn minus(a, b) {
    return a - b
  }
  fn cmp(a, b) {
    let out = []
    if a == b {
      out = out + ["=="]
    }
    if a != b {
      out = out + ["!="]
    }
    if a < b {
      out = out + ["<"]
    }
    if a <= b {
      out = out + ["<="]
    }
    if a > b {
      out = out + [">"]
    }
    if a >= b {
      out = out + [">="]
    }
    return out
  }
  fn eqs(a, b) {
    let out = []
    if a == b {
      out = out + ["=="]
    }
    if a != b {
      out = out + ["!="]
    }
    return out
  }
  fn named(a, b) {
    let pair = [a, b]
    return pair
  }
  fn fib(n) {
    if n < 2 {
      return n
    }
    return fib(n - 1) + fib(n - 2)
  }
  phase "fused" {
    step "arithmetic" {
      log inc(1), dec(1), inc(-1), inc(2.5), dec(0.5)
      log plus(2, 3), minus(2, 3), plus(1, 0.5), minus(0.5, 1)
      log plus("ab", "cd"), plus(1s, 500ms), minus(2m, 30s)
      log plus([1], [2]), fib(20)
    }
    step "comparisons" {
      log cmp(1, 2), cmp(2, 2), cmp(3, 2)
      log cmp(1.5, 2), cmp(2, 2.0), cmp("b", "a"), cmp(1s, 1000ms)
      log eqs(null, null), eqs([1], [1]), eqs(true, false), eqs(1, "1")
    }
    step "calls" {
      let f = named
      let g = fib
      log named(1, 2), f(3, 4), g(10), f(named(5, 6), [])
    }
    step "taint" {
      log "secret + 1:", inc(si), "secret - 1:", dec(si), "sum:", plus(si, 1)
      log "compared:", cmp(si, 41)
      let plain = inc(1)
      log "plain:", plain
    }
    step "overflow" on failure continue {
      log inc(9223372036854775807)
    }
    step "underflow" on failure continue {
      log minus(-9223372036854775807, 2)
    }
    step "bad operands" on failure continue {
      log inc("x")
    }
    step "bad comparison" on failure continue {
      log cmp("a", 1)
    }
    step "too many arguments" {
      let f = named
      log f(1, 2, 3)
    }
  }
}
