# Verify items that hold pass; a manual item without a terminal is recorded
# "unconfirmed" (by no-tty) and does not fail the run.
# exit: 0
runbook "checklist-pass" {
  param expected_version = "41"
  fn error_rate() {
    return 0.002
  }
  phase "Rollback" {
    step "Deploy previous version" {
      write_file("version.tmp", expected_version)
    }
  }
  checklist "Data integrity" {
    item "Error rate is below 1%" verify error_rate() < 1%
    item "Database state verified by the DBA"
  }
  checklist "Application" {
    item "The previous version is deployed" verify read_file("version.tmp") == expected_version
    item "Cleanup done" verify remove("version.tmp")
  }
}
