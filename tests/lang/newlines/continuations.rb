# expect clean
runbook "t" {
  title       "Language test"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  fn add(a, b) {
    return a +
      b
  }

  phase "P" {
    step "S" {
      let total = add(1,
                      2)
      let items = [
        1,
        2,
      ]
      let m = {
        a: 1,
        "b c": 2
      }
      let long =
        total * 2
      let cond = total > 1 and
        items[0] == 1
      let named = sh("true",
        env: {A: "1"})
      retry 3
        every 1s
        backoff 2
        max 10s {
        log "x"
      }
      wait until cond
        every 1s
        timeout 1m
      log total, items, m, long, named
    }
  }
}
