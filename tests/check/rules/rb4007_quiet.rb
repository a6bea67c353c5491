# expect clean
# Off in the default profile; read bindings and `_` names are fine in strict.
runbook "t" {
  title       "T"
  criticality low
  rto         15m
  owner       "team-test"
  phase "P" {
    step "S" {
      let state = read_file("/etc/hostname")
    }
  }
}
