# Every statement kind, fns (recursion, runbook scope), step-level lets,
# for over lists and maps, interpolation.
# args: --param who=ops --param count=4
# exit: 0
runbook "statements" {
  param who : string
  param count : int = 2
  resource dashboard "https://example.com/d"

  fn fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
  }
  fn greet(name, punct) {
    # reads a param and a step-level let: closures over the runbook scope
    return "hello ${name}${punct} from ${who} (limit ${limit})"
  }

  phase "compute" {
    step "lets" {
      let limit = count * 2
      let m = {a: 1, b: [1, 2, 3]}
      m.a = 10
      m["c"] = "new"
      m.b[0] = 7
      log "m =", m
      log "fib(15) =", fib(15)
    }
    step "uses" {
      log greet("world", "!")
      log "limit is still", limit, "and dashboard", dashboard
      let total = 0
      for x in [1, 2, 3, 4] {
        if x % 2 == 0 {
          total = total + x
        } else if x == 3 {
          log "three"
        } else {
          log "odd", x
        }
      }
      assert total == 6
      for k, v in {one: 1, two: 2} {
        log "${k}=${v}"
      }
      for i, v in ["a", "b"] { log i, v }
      let maybe = null
      log maybe ?? "default", true and false, false or "x", not true
      log 1h30m + 15s, 2 * 30s, 7 / 2, 7 % 3, -5, "a" + "b", 3 in [1, 2, 3]
      let r = sh("printf '%s' hi", check: false)
      log "sh said", r.stdout, "code", r.code
      let rc = sh("exit 3", check: false)
      log "exit code", rc.code
    }
  }
}
