# fib(30) by naive recursion: 2,692,537 calls (bench/vm.sh).
runbook "bench-fib" {
  fn fib(n) {
    if n < 2 {
      return n
    }
    return fib(n - 1) + fib(n - 2)
  }
  phase "vm" {
    step "fib" {
      log fib(30)
    }
  }
}
