# A value derived from a secret is sampled by a monitor: it prints as ***.
# env: CL_TOKEN=sentinel-monitor-4242
# args: --monitor 1m --monitor-interval 1m
# absent: sentinel-monitor-4242
# exit: 0
runbook "monitor-secret" {
  secret token = env("CL_TOKEN")
  phase "p" {
    step "uses the token" {
      log "token is", token
    }
  }
  monitor "Token length" value len(token) normal < 100 alert >= 100
  monitor "Token itself" value token normal == "sentinel-monitor-4242" alert == "x"
}
