import "ops.rb"
runbook "layout" {
title "Layout"
criticality high
rto 15m
owner "team-ops"
contact "On call" { name "A" phone "1" }
contact "Lead" {
name "B"
slack "@b"
}
resource logs "cloudwatch:/x"
resource dashboard "https://example.com"
param cluster=env("CLUSTER")
param attempts : int = 3
param previous : string
secret token = env("TOKEN")
trigger auto "Down" when (status()) != 200 for 5m
trigger manual "Owner decides"
fn status( ) { return 200 }
phase "Run" within 2m {
step "One" timeout 30s when cluster != "" on failure continue retry 3 every 1s { log "one"; log "two" }
step "Two" on failure troubleshoot "Fix" {
let x = aws.ecs.update_service(cluster: cluster, service: "s",
forceNewDeployment: true)
if x { log "a" } else if not x { log "b" } else { log "c" }
for k, v in {a: 1} { log k, v }
parallel 2 for p in ["/a", "/b"] { assert http 200 "http://h${p}" timeout: 2s contains "ok" }
retry 5 every 2s backoff 2 max 30s { assert x, "x is ${x}" }
}
}
checklist "Check" {
item "Done"
item "Verified" verify status() == 200
}
troubleshoot "Fix" { sh "restart.sh", timeout: 1m }
monitor "Rate" value status() alert > 1% normal 40% .. 60%
}
