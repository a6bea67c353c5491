# A param that does not convert to its declared type: exit 64.
# args: --param n=abc
# exit: 64
# stderr: nothing was executed
runbook "params-type" {
  param n : int
  phase "p" {
    step "s" { log n }
  }
}
