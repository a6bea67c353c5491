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

  secret database_url = env("DATABASE_URL")
  secret token : string

  phase "P" {
    step "S" {
      sh("migrate --url-from-env", env: {DATABASE_URL: database_url, TOKEN: token})
    }
  }
}
