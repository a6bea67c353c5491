# The real clock: retry 3 every 100ms sleeps for real (>= 200ms), with a
# counter file written by sh.
# clock: real
# min-seconds: 0.2
# exit: 0
# contains: retry 1/3 next=100ms
# contains: retry 2/3 next=100ms
# contains: log attempts 3
# contains: run PASSED
runbook "realclock" {
  phase "p" {
    step "counts" {
      let f = "/tmp/rbc-vm-realclock-${now().unix_ms}"
      let lines = 0
      retry 3 every 100ms {
        sh "echo x >> ${f}"
        lines = int(split(sh("wc -l < ${f}").stdout)[0])
        assert lines == 3
      }
      log "attempts", lines
      sh "rm -f ${f}"
    }
  }
}
