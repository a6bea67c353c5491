# parallel branches wait at the same time: on the virtual clock ten
# branches that each wait 30s end after 30s of the step, not 300s; with a
# limit of 2, six such branches take three rounds (90s), and no more than
# two are ever alive (each counts the marker files of the live branches,
# in the scratch $HOME of the test).
# A step timeout stops a group whose branches wait longer than it allows;
# a phase budget passed while three branches wait is reported once.
# exit: 0
runbook "parallel-clock" {
  phase "p" {
    step "ten at once" {
      let t0 = now()
      parallel for i in range(1, 11) {
        let start = now()
        wait until now() - start >= 30s every 30s timeout 1m
      }
      log "elapsed", now() - t0
    }
    step "two at a time" {
      let t0 = now()
      let d = env("HOME", "/nonexistent")
      parallel 2 for i in range(1, 7) {
        write_file("${d}/alive.${i}", "")
        let live = len(glob("${d}/alive.*"))
        let start = now()
        wait until now() - start >= 30s every 30s timeout 1m
        log "branch", i, "saw", live, "alive"
        assert live <= 2
        remove("${d}/alive.${i}")
      }
      log "elapsed", now() - t0
    }
    step "timeout wins" timeout 45s on failure continue {
      parallel for i in range(1, 4) {
        retry 10 every 20s {
          fail "still down"
        }
      }
    }
  }
  phase "budgeted" within 20s {
    step "three waits" {
      parallel for i in [1, 2, 3] {
        let start = now()
        wait until now() - start >= 30s every 30s timeout 1m
      }
    }
  }
}
