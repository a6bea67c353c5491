# Secrets never reach the output of checklists: a verify that fails on a
# secret reports a masked reason.
# env: CL_TOKEN=sentinel-checklist-4242
# absent: sentinel-checklist-4242
# exit: 1
runbook "checklist-secret" {
  secret token = env("CL_TOKEN")
  phase "p" {
    step "uses the token" {
      log "token is", token
    }
  }
  checklist "Secrets" {
    item "Token accepted" verify token != "wrong"
    item "Token is a number" verify int(token) > 0
  }
}
