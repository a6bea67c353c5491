# --interval takes a positive duration: a usage error (64) otherwise.
# command: watch
# args: --interval 0s
# stderr: invalid value '0s' for '--interval'
# exit: 64
runbook "watch-usage" {
  trigger auto "x" when true
}
