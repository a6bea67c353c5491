# parallel branches run at the same time on the real clock: branch 1 waits
# for a file that branch 2 creates later (one after the other, branch 1
# would time out first); three commands each wait until all three have
# started (one after the other, the first would wait forever).
# clock: real
# contains: log handshake done
# contains: log all three ran together
# contains: run PASSED
runbook "parallel-realclock" {
  phase "p" {
    step "handshake" {
      let f = "/tmp/rbc-par-handshake-${now().unix_ms}"
      parallel {
        wait until exists(f) every 100ms timeout 10s
        sh "sleep 0.3 && touch ${f}"
      }
      remove(f)
      log "handshake done"
    }
    step "children together" {
      let d = "/tmp/rbc-par-children-${now().unix_ms}"
      sh "mkdir -p ${d}"
      parallel for i in [1, 2, 3] {
        sh "touch ${d}/${i}; n=0; while [ $(ls ${d} | wc -l) -lt 3 ]; do sleep 0.05; n=$((n+1)); [ $n -gt 200 ] && exit 1; done; exit 0"
      }
      sh "rm -rf ${d}"
      log "all three ran together"
    }
  }
}
