# A trigger condition and a monitor that read a secret: its value never
# reaches the output, not even in a no-data reason.
# command: watch
# args: --once
# env: W_TOKEN=sentinel-watch-4242
# absent: sentinel-watch-4242
# exit: 1
runbook "watch-secret" {
  secret token = env("W_TOKEN")
  trigger auto "Token rotated" when token != "old"
  trigger auto "Token broken" when int(token) > 0
  monitor "Token" value token normal == "x" alert == "y"
  phase "Rollback" {
    step "not run by watch" {
      log "rolling back"
    }
  }
}
