# Insert 10^6 string keys "k" + i, then look each one up (bench/vm.sh).
runbook "bench-map" {
  fn fill(n) {
    let m = {}
    for i in range(1, n + 1) {
      m["k${i}"] = i
    }
    let found = 0
    for i in range(1, n + 1) {
      if m["k${i}"] == i {
        found = found + 1
      }
    }
    return found
  }
  phase "vm" {
    step "map" {
      log fill(1_000_000)
    }
  }
}
