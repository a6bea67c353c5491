# An import that resolves nowhere is RB2017 before any side effect: exit 65.
# exit: 65
# stderr: RB2017
# stderr: nothing was executed
# marker: /tmp/rbc-import-missing-marker
import "no-such-library.rb"
runbook "import-missing" {
  phase "p" {
    step "never runs" {
      sh "touch /tmp/rbc-import-missing-marker"
    }
  }
}
