# Sum of 1..10^7 in a counting loop (bench/vm.sh).
runbook "bench-sum" {
  fn total(n) {
    let s = 0
    for i in range(1, n + 1) {
      s = s + i
    }
    return s
  }
  phase "vm" {
    step "sum" {
      log total(10_000_000)
    }
  }
}
