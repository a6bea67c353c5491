# Events of parallel branches reach the outputs in branch order, whatever
# the order the branches ran in: branch 1 waits longest and logs last in
# time, yet its lines come first.  The failure raised at the join is the
# first in branch order (branch 2, which fails after 20s), not the first in
# time (branch 3, at once), and counts every failed branch.  A nested group
# runs inside a branch the same way.
# format: jsonl
# exit: 1
runbook "parallel-order" {
  phase "p" {
    step "ordered" {
      parallel for i in [3, 1, 2] {
        let n = 0
        retry 2 every (i * 10s) {
          n = n + 1
          log "branch", i, "attempt", n
          assert n == 2
        }
      }
    }
    step "nested" {
      parallel {
        parallel for j in [2, 1] {
          let start = now()
          wait until now() - start >= j * 10s every 10s timeout 1m
          log "inner", j
        }
        log "outer second"
      }
    }
    step "first in branch order" {
      parallel for i in [1, 2, 3, 4] {
        if i == 2 {
          let start = now()
          wait until now() - start >= 20s every 10s timeout 1m
          fail "branch two fails late"
        }
        if i >= 3 {
          fail "branch ${i} fails at once"
        }
        log "branch", i, "passes"
      }
    }
  }
}
