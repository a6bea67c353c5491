# runbooks/demo.rb: the runnable demo of rbc (scripts/demo.sh runs it).
#
# It restarts a toy "service" that lives in a temporary directory, so it
# runs for real on any machine, without network, in a few seconds:
#
#   rbc run runbooks/demo.rb --param service=toy-api --yes
#
# What it shows: metadata, params (one required, one with a default), a
# secret passed to a shell step through env: only (and masked in the
# output), shell steps, a confirm gate (answered by --yes; without it and
# without a terminal the run halts with status 2), a wait on a file, a step
# retried until the service answers on its third poll, assertions, a step
# skipped by `when`, a step whose `on failure troubleshoot` repairs what was
# broken, phases with time budgets, a checklist (its `verify` item checked
# after the last phase) and a monitor, and helpers from the stdlib
# written in rbc itself (stdlib/lib/ops.rb).
import "ops.rb"

runbook "demo" {
  title       "Restart the toy service"
  criticality low
  expected    30s
  rpo         0s
  rto         1m
  owner       "team-rbc"
  tested      "2026-11-26"
  review      90d
  status      tested
  version     "1.0"

  contact "On call" { name "Demo Operator" email "oncall@example.com" slack "@oncall" }
  resource state_dir "a temporary directory the run creates and removes"

  param service      : string  # required: --param service=toy-api
  param polls_needed = 3       # the service answers on this poll
  secret api_token   = env("RBC_DEMO_TOKEN", "demo-token-not-a-real-secret")

  # The service's "health endpoint": each poll is counted in a file, and the
  # service is up from poll number polls_needed on.
  fn healthy(dir) {
    return bump_counter("${dir}/polls") >= polls_needed
  }

  phase "Prepare" within 5s {
    step "Preflight" {
      require_env("HOME")
      log "restarting", service, "as", first_line(sh("id -un").stdout)
    }
    step "Create the service's state directory" {
      let dir = temp_dir("rbc-demo")
      write_file("${dir}/version", "41\n")
      log "state in", dir
    }
  }

  phase "Restart" within 15s {
    step "Authenticate" {
      # the token reaches the command only through its environment; whatever
      # the command prints is masked: the log line shows *** for the token
      let r = sh("test -n \"$API_TOKEN\" && echo \"sent token $API_TOKEN\"",
                 env: {API_TOKEN: api_token})
      log first_line(r.stdout)
    }
    step "Stop the old process" {
      confirm "Stop ${service} now?"  # --yes answers it (recorded as such)
      sh "echo stopping ${service}; rm -f ${dir}/ready"
    }
    step "Start the new process" {
      # the process takes a moment to come up: it writes its ready file after 1s
      sh "(sleep 1; echo 42 >${dir}/version; touch ${dir}/ready) >/dev/null 2>&1 &"
      wait until exists("${dir}/ready") every 200ms timeout 10s
    }
    step "Health check" retry 5 every 1s {
      assert healthy(dir), "${service} is not answering yet"
    }
  }

  phase "Verify" within 5s {
    step "Version" {
      let version = int(first_line(read_file("${dir}/version")))
      assert version == 42, "expected version 42 after the restart"
    }
    step "Load the configuration" on failure troubleshoot "Restore the default config" {
      let config = json.parse(read_file("${dir}/config.json"))
      assert config.workers >= 2
      log "workers:", config.workers
    }
    step "Error rate" {
      let latencies = [120ms, 95ms, 143ms, 88ms]
      let stats = summary(latencies)
      log "mean latency", stats.mean, "over", stats.count, "requests"
      assert stats.max < 200ms
      assert percent(0, stats.count) < 1%
    }
    step "Roll back the database" when exists("${dir}/db_migrated") {
      sh "echo rolling back the schema"
    }
  }

  phase "Clean up" within 5s {
    step "Remove the state directory" {
      log "state directory age", file_age(dir)
      sh "rm -rf ${dir}"
      assert not exists(dir)
    }
  }

  troubleshoot "Restore the default config" {
    write_file("${dir}/config.json", json.encode({workers: 4, service: service}))
  }

  # rbc: ignore[RB4005] -- judged by a person, asked at the terminal
  checklist "After the restart" {
    item "The state directory is removed" verify not exists(dir)
    item "The team channel was told"
  }

  monitor "Error rate" value percent(0, 100) normal < 1% alert > 5%
}
