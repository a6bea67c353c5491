# parallel blocks run their branches as fibers; with nothing to wait for,
# each runs to its end in turn.  A failing branch does not stop the
# others, and the first failure is raised at the join, naming its branch.
# exit: 1
runbook "parallel" {
  phase "p" {
    step "all pass" {
      let base = 10
      parallel {
        log "branch a", base
        log "branch b", base + 1
      }
      parallel 2 for x in [1, 2, 3] {
        log "item", x
      }
    }
    step "some fail" {
      parallel for x in [1, 2, 3, 4] {
        log "checking", x
        assert x % 2 == 1
      }
    }
  }
}
