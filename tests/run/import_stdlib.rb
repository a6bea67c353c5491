# The stdlib written in rbc (stdlib/lib/ops.rb), found by name: an rbc run
# from its build tree reads the source tree's stdlib/lib.
# env: RBC_TEST_REQUIRED=present
# exit: 0
import "ops.rb"
runbook "import-stdlib" {
  owner "team-test"
  rto   1m
  phase "p" {
    step "numbers" {
      assert percent(1, 4) == 25%
      assert percent(3, 0) == 0.0
      log summary([3, 1, 2])
      log summary([250ms, 750ms])
      log summary([])
      assert clamp(15, 0, 10) == 10
      assert clamp(-1, 0, 10) == 0
      assert clamp(5, 0, 10) == 5
    }
    step "text" {
      assert first_line("one\ntwo\n") == "one"
      assert first_line("") == ""
      assert first_line(sh("echo hello; echo world").stdout) == "hello"
    }
    step "files" {
      let d = temp_dir("rbc-import-stdlib")
      assert exists(d)
      assert bump_counter("${d}/n") == 1
      assert bump_counter("${d}/n") == 2
      assert read_file("${d}/n") == "2\n"
      sh "rm -rf ${d}"
      assert not exists(d)
    }
    step "require_env" {
      assert require_env("RBC_TEST_REQUIRED") == "present"
    }
  }
}
