# file_age from the stdlib on the real clock (a file stamped two hours ago),
# and require_env failing the step with the variable's name.  (Real clock:
# the output holds a real date and the stdlib's absolute path.)
# clock: real
# max-seconds: 5
# exit: 1
# contains: age ok
# contains: ERROR RB5011 environment variable RBC_TEST_SURELY_UNSET is not set at
# contains: stdlib/lib/ops.rb:22:5
# contains: pass=1 fail=0 skip=0 not_run=0 error=1
import "ops.rb"
runbook "import-realclock" {
  phase "p" {
    step "file_age" {
      let d = temp_dir("rbc-file-age")
      sh "touch -d '2 hours ago' ${d}/old"
      let age = file_age("${d}/old")
      sh "rm -rf ${d}"
      assert age >= 2h and age < 2h + 1m, "age ${age}"
      log "age ok", age
    }
    step "require_env fails" {
      require_env("RBC_TEST_SURELY_UNSET")
    }
  }
}
