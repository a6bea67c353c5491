# The first example of cli.md 4: a secret interpolated into a shell command line.
runbook "payments-api" {
  title       "Golden diagnostics"
  criticality low
  expected    10m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  secret database_url = env("DATABASE_URL")
  param deployment_id = env("DEPLOYMENT_ID", "none")

  phase "Execute rollback" within 8m {
    step "Database" when exists("/tmp/deployment_${deployment_id}/db_migrated") {
      sh "docker run --rm migration-tool:latest rollback --db ${database_url}"
    }
  }
}
