# expect clean
runbook "t" {
  title       "Language test"
  criticality low
  expected    5m
  rpo         5m
  rto         15m
  owner       "team-test"
  tested      "2026-11-01"
  review      3650d
  status      approved
  version     "1.0"

  param previous_version = "41"
  secret database_url = env("DATABASE_URL")

  phase "P" {
    step "S" {
      sh "echo hello"
      sh "echo ${previous_version}"
      let r = sh("docker run --rm -e DATABASE_URL tool rollback --to-version ${previous_version}",
                 env: {DATABASE_URL: database_url})
      log r.code, r.stdout, r.stderr, r.duration
    }
  }
}
