# A step past its timeout fails with RB5003: while sleeping between
# attempts (virtual time), and while a command runs (its remaining time is
# the command's timeout: `sleep 5` is killed after 1s of real time).
# exit: 1
runbook "step-timeout" {
  phase "p" {
    step "slow retries" timeout 45s on failure continue {
      retry 10 every 20s {
        fail "still down"
      }
    }
    step "slow command" timeout 1s {
      sh "sleep 5"
    }
  }
}
