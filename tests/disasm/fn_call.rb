# A fn with parameters and locals, called with positional arguments; a
# built-in call; member and index access.
# count-op: RETURN_LOCAL 1 in double
runbook "fns" {
  fn double(x) {
    let y = x * 2
    return y
  }

  phase "Calls" {
    step "Call" {
      let m = {list: [double(21)]}
      log m.list[0], len(m.list)
    }
  }
}
