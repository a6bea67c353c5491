# The fused instructions (docs/bytecode.md 8): local +/- local or literal,
# a comparison fused with the `if` jump, `return local`, a direct call of a
# runbook-level fn; and the shapes that keep the unfused sequence (a
# non-local left operand, `*`, an `if` on a non-comparison, a call through
# a local fn value).
# count-op: ADD_LL 2 in f
# count-op: SUB_LL 1 in f
# count-op: ADD_LK 1 in f
# count-op: SUB_LK 2 in f
# count-op: JUMP_IF_NOT_LT 1 in f
# count-op: JUMP_IF_NOT_GE 1 in f
# count-op: JUMP_IF_FALSE 1 in f
# count-op: RETURN_LOCAL 1 in f
# count-op: CALL_FN 1 in f
# count-op: CALL 1 in f
# count-op: ADD 1 in f
runbook "fused" {
  fn f(a, b) {
    if a < b {
      return a
    }
    if a + b >= 10 {
      return f(a - 1, b - 2.5)
    }
    if a in [1] {
      let g = f
      return g(b, a)
    }
    let c = a - b
    let d = (a * 2) + 1
    let e = c + 1
    return e + d
  }
  phase "p" {
    step "s" {
      log f(1, 2)
    }
  }
}
