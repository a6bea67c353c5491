# expect clean
# A read-only command's output bound by `let` captures state for later steps.
runbook "t" {
  title       "T"
  criticality high
  rto         15m
  owner       "team-test"
  phase "P" {
    step "Capture" {
      let before = sh("kubectl get deploy api -o yaml")
      write_file("before.yaml", before.stdout)
    }
    step "Change" {
      sh "kubectl rollout undo deploy/api"
    }
  }
}
