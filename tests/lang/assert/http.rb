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

  param lb_dns = "lb.example.com"

  phase "P" {
    step "S" {
      let code = 204
      assert http 200 "http://${lb_dns}/health"
      assert http 2xx GET "http://${lb_dns}/health" timeout: 2s contains "ok" within 500ms
      assert http 201 POST "http://${lb_dns}/items" headers: {Accept: "application/json"} json: {name: "x"}
      assert http code DELETE "http://${lb_dns}/items/1"
      assert http 3xx HEAD "http://${lb_dns}/" follow: false
      assert http 2xx PUT "http://${lb_dns}/items/1" body: "raw" json "$.status" == "ok" header "Content-Type" == "application/json"
      assert http 4xx PATCH "http://${lb_dns}/items/1" json: {x: 1}
    }
  }
}
