# tests/plan.sh: one action of each kind; `rbc plan` must execute none of them.
runbook "plan-effects" {
  title "Plan: every kind of action"
  rto   10m
  param base : string                    # http://127.0.0.1:PORT of tests/servers/httpd.py
  param marker : string                  # a file the shell step would create
  param cluster = "prod"
  param replicas = 3
  secret token = env("PLAN_TOKEN")

  fn service_state(name) {
    return aws.ecs.describe_services(cluster: cluster, services: [name])
  }

  phase "Notify" within 1m {
    step "Announce" {
      aws.sns.publish(TopicArn: "arn:aws:sns:us-east-1:123456789012:ops", Message: "rollback of ${cluster}")
      let r = http.post("${base}/echo", json: {event: "rollback", replicas: replicas + 1})
      log r.status
    }
    step "Gate" {
      confirm "Roll back ${cluster}?"
    }
  }

  phase "Act" within 5m {
    step "Shell" {
      sh "touch ${marker}"
      sh("deploy --token-from-env", env: {TOKEN: token})
      write_file("${marker}.written", "x")
    }
    step "Database" when exists("${marker}.db") {
      sh "echo migrate"
    }
    step "Service" retry 3 every 10s {
      aws.ecs.update_service(cluster: cluster, service: "api", forceNewDeployment: true)
      let state = service_state("api")
      wait until len(service_state("api").services) == 1 every 5s timeout 2m
    }
  }

  phase "Validate" within 3m {
    step "Health" {
      retry 5 every 2s {
        assert http 200 "${base}/health" headers: {Authorization: "Bearer ${token}"}
      }
      for path in ["/a", "/b"] {
        let g = http.get("${base}${path}")
      }
    }
  }
}
