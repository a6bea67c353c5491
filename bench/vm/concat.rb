# Build 10^5 small strings "item" + i + "," and join them (bench/vm.sh).
# The language has no append: the list is made at its size by range() and
# filled in place (an unshared list is updated without a copy).
runbook "bench-concat" {
  fn build(n) {
    let parts = range(0, n)
    for i in range(0, n) {
      parts[i] = "item${i + 1},"
    }
    return join(parts)
  }
  phase "vm" {
    step "concat" {
      log len(build(100_000))
    }
  }
}
