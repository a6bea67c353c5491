# Unbounded recursion is a runtime error at 200 frames, never a crash.
# exit: 1
runbook "recursion" {
  fn down(n) {
    return down(n + 1)
  }
  phase "p" {
    step "deep" {
      log down(0)
    }
  }
}
