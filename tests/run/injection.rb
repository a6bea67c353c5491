# A param interpolated into `sh` is one literal argument: the command
# substitution in it never runs (the marker file is not created) and
# `rm -rf ~` is only text.
# args: --param 'target=$(touch /tmp/rbc-vm-inject-marker); rm -rf ~'
# marker: /tmp/rbc-vm-inject-marker
# exit: 0
runbook "injection" {
  param target : string
  phase "p" {
    step "quoted" {
      let r = sh("printf '[%s]' ${target}")
      log r.stdout
      let n = sh("set -- ${target} ${target}; printf %s $#")
      log "words:", n.stdout
    }
  }
}
