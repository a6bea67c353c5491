# A library next to the runbook (lib/helpers.rb, a relative path), which
# imports the stdlib in turn: its fns and the stdlib's both reach the
# runbook, and a runtime error inside a library names the library's line.
# exit: 1
import "lib/helpers.rb"
runbook "import-local" {
  phase "p" {
    step "local library" {
      log kv_line({b: 2, a: "x"})
      let rate = failure_rate([true, false, true, true])
      log "failure rate", rate
      assert rate == 25%
    }
    step "stdlib through the library" {
      assert percent(1, 4) == 25%
    }
    step "error inside the library" {
      log kv_line("not a map")
    }
  }
}
