# Branches and loops: jump targets are marked `>>`.
runbook "flow" {
  param mode = "fast"

  phase "Flow" {
    step "Branches" {
      if mode == "fast" {
        log "fast"
      } else if mode == "slow" {
        log "slow"
      } else {
        log "other"
      }
      let total = 0
      for n in [1, 2, 3] {
        total = total + n
      }
      for k, v in {a: 1} {
        log k, v
      }
      log total, mode ?? "none", mode == "x" and total > 1 or not true
    }
  }
}
