# Constant folding: each `let` below compiles to one constant load and a
# store, with no arithmetic left in the listing.
# forbid-op: ADD
# forbid-op: SUB
# forbid-op: MUL
# forbid-op: DIV
# forbid-op: MOD
# forbid-op: NEG
runbook "fold" {
  phase "Fold" {
    step "Constants" {
      let x = 2 * 3 + 1
      let d = 5m + 30s
      let n = -(4 - 10) % 4
      let s = "a" + "b"
      let f = 1.5 * 2
      log x, d, n, s, f
    }
  }
}
