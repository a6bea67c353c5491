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

  phase "P" {
    step "Bare" {
      sh "migrate --db ${database_url}"            # expect error line 17 col 24: RB3001
    }
    step "Call" {
      sh("migrate --db ${database_url} --force")   # expect error line 20 col 24: RB3001
    }
  }
}
