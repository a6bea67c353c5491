# range() errors are the same for the counting loop and for the list: a
# step of 0, a non-int argument, more than 10,000,000 items.  Each failing
# step continues, so every message is shown.
# exit: 0
runbook "range_errors" {
  fn loop_over(a, b, c) {
    let n = 0
    for i in range(a, b, c) {
      n = n + 1
    }
    return n
  }
  phase "errors" {
    step "loop step 0" on failure continue {
      log loop_over(0, 5, 0)
    }
    step "list step 0" on failure continue {
      log range(0, 5, 0)
    }
    step "loop not an int" on failure continue {
      for i in range(0, "5") {
        log i
      }
    }
    step "list not an int" on failure continue {
      log range(0, "5")
    }
    step "loop too long" on failure continue {
      log loop_over(0, 10_000_001, 1)
    }
    step "list too long" on failure continue {
      log len(range(0, 10_000_001))
    }
    step "limit itself" {
      log loop_over(0, 10_000_000, 1), loop_over(10_000_000, 0, -1)
    }
  }
}
