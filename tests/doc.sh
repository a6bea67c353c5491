#!/bin/sh
# tests/doc.sh: `rbc doc` (docs/doc.md).
#   - docs/examples/payments-api.md is exactly what `rbc doc` makes of
#     runbooks/payments-api.rb (regenerate it after changing the runbook:
#     rbc doc runbooks/payments-api.rb -o docs/examples/payments-api.md);
#   - reproducible: same bytes twice, whatever the clock or SOURCE_DATE_EPOCH,
#     the same through -o and stdout;
#   - the template's sections are all there, in order;
#   - refusals: syntax or semantic errors and library files (65), missing
#     input (66), usage (64), unwritable output (73).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

cd "$top_srcdir"
example=docs/examples/payments-api.md

rbc doc runbooks/payments-api.rb >"$TMPD/a.md"
if ! cmp -s "$example" "$TMPD/a.md"; then
  diff "$example" "$TMPD/a.md" | head -40
  fail "$example is not what rbc doc makes of runbooks/payments-api.rb (regenerate it)"
fi
SOURCE_DATE_EPOCH=1 TZ=Asia/Tokyo rbc doc runbooks/payments-api.rb >"$TMPD/b.md"
cmp -s "$TMPD/a.md" "$TMPD/b.md" || fail "the document depends on the clock or the zone"
expect_exit 0 rbc doc runbooks/payments-api.rb -o "$TMPD/c.md"
cmp -s "$TMPD/a.md" "$TMPD/c.md" || fail "-o wrote something else than stdout"
# a document is for reading: created as any file (0666 less the umask)
(umask 022 && rbc doc runbooks/payments-api.rb -o "$TMPD/m.md")
[ "$(stat -c %a "$TMPD/m.md")" = 644 ] || fail "-o made the document $(stat -c %a "$TMPD/m.md")"
cp runbooks/payments-api.rb "$TMPD/payments-api.rb"
(cd "$TMPD" && rbc doc payments-api.rb) >"$TMPD/d.md"
cmp -s "$TMPD/a.md" "$TMPD/d.md" || fail "the document depends on the directory"
echo "ok   $example reproduced"

# the template's sections, in order, and the data they carry
sections='# Payments API rollback
> **Criticality**: HIGH
> **Recovery Time Objective (RTO)**: 15 minutes
## 🚨 Quick Reference
### Emergency Contacts
| Incident Commander | A. Ruiz | +1 555 0100 | ir@example.com | @ir |
### Critical Resources
## 📋 Rollback Decision Criteria
### Automatic Triggers (any of these)
1. 🔴 Health checks failing: when `http.get("http://${lb_dns}/health").status != 200` for 5 minutes
### Manual Triggers
## 🚀 Rollback Procedure
### 🔴 Phase 1: Immediate actions (0-2 minutes)
#### 1.1 Notify
### 🔵 Phase 2: Execute rollback (2-10 minutes)
aws ecs update-service \
  --task-definition "$previous_taskdef" \
  --force-new-deployment
Wait until `len(aws.ecs.describe_services(cluster: cluster, services: [service]).services[0].deployments) == 1`, checking every 5s, for at most 8m.
Retry up to 10 times every 30s, until this passes:
## 📑 Rollback Verification Checklist
- [ ] Previous version running (verified by `running_taskdef() == previous_taskdef`)
## 🔧 Troubleshooting
#### Issue: Rollback stuck in progress
## 📊 Metrics to Monitor Post-Rollback
| Error rate | `error_rate()` | \<0.1% | \>1% |
## 📋 Post-Mortem Template
**Document Status**: [ ] DRAFT [ ] REVIEWED [x] APPROVED [ ] TESTED
**Next Review**: 2026-12-31 (90 days after the last test)'
line=0
printf '%s\n' "$sections" | while IFS= read -r s; do
  at=$(grep -nF -- "$s" "$TMPD/a.md" | head -1 | cut -d: -f1)
  [ -n "$at" ] || fail "the document lacks: $s"
  [ "$at" -gt "$line" ] || fail "out of order: $s (line $at)"
  line=$at
done
echo "ok   sections in the template's order"

# a small runbook: every kind of action in words
cat >"$TMPD/small.rb" <<'RB'
runbook "small" {
  title "Small `one` | pipes"
  criticality low
  owner "ops"
  rto 90s
  param host = "localhost"
  phase "Only" within 90s {
    step "Act" when host != "" retry 3 every 1s timeout 30s on failure continue {
      let r = sh("uptime")
      aws.rds.modify_db_cluster(DBClusterIdentifier: host, ApplyImmediately: false,
                                BackupRetentionPeriod: 7)
      sh "echo ${host}", timeout: 5s
      confirm "Go on with ${host}?"
      wait until r.code == 0 every 1s timeout 10s
      assert http 2xx POST "http://${host}/x" json: {a: 1} contains "ok" within 2s
      parallel 2 { log "a" }
      if r.code == 0 { log "ok" } else { fail "no" }
    }
  }
  monitor "Load" value 1 normal 40% .. 60% alert >= 90%
}
RB
rbc doc "$TMPD/small.rb" >"$TMPD/small.md"
for s in '# Small \`one\` \| pipes' '(0s-1m30s)' '*Only when* `host != ""`.' \
    '*Retried* up to 3 times every 1s.' '*Time limit*: 30s.' \
    '*On failure*: continue with the next step.' '# result saved as `r`' 'uptime' \
    'aws rds modify-db-cluster \' '  --db-cluster-identifier "$host" \' \
    '  --no-apply-immediately \' '  --backup-retention-period 7' \
    '# timeout: 5s' 'echo ${host}' '**Confirm before going on**: Go on with ${host}?' \
    'Check that `POST http://${host}/x` answers `2xx`, with json `{a: 1}`, body contains `"ok"`, answer within `2s`.' \
    'In parallel (at most `2` at once), each of:' 'If `r.code == 0`:' 'Otherwise:' \
    '| Load | `1` | 40%-60% | \>=90% | - |' '**Version**: _not set_' \
    '_No checklists._' '_None: this runbook is started by hand only._'; do
  grep -qF -- "$s" "$TMPD/small.md" || { cat "$TMPD/small.md"; fail "small.md lacks: $s"; }
done
echo "ok   actions in words"

# refusals
printf 'runbook "x" {\n  phase "p" {\n    step "s" { let a = 1 let b = 2 }\n  }\n}\n' >"$TMPD/bad.rb"
expect_exit 65 rbc doc "$TMPD/bad.rb" >"$TMPD/out" 2>"$TMPD/err"
[ ! -s "$TMPD/out" ] || fail "a document was printed for a file with errors"
grep -q RB1001 "$TMPD/err" || fail "the syntax error was not shown"
printf 'runbook "x" {\n  phase "p" {\n    step "s" { log undefined_thing }\n  }\n}\n' >"$TMPD/sem.rb"
expect_exit 65 rbc doc "$TMPD/sem.rb" >/dev/null 2>"$TMPD/err"
grep -q RB2001 "$TMPD/err" || fail "the semantic error was not shown"
expect_exit 65 rbc doc stdlib/lib/ops.rb >/dev/null 2>"$TMPD/err"
grep -q 'no runbook' "$TMPD/err" || fail "a library file was not refused"
expect_exit 66 rbc doc "$TMPD/missing.rb" >/dev/null 2>&1
expect_exit 64 rbc doc >/dev/null 2>&1
expect_exit 64 rbc doc a.rb b.rb >/dev/null 2>&1
expect_exit 73 rbc doc runbooks/payments-api.rb -o "$TMPD/no/such/dir/x.md" 2>/dev/null
[ ! -e "$TMPD/bad.md" ] || fail "unexpected output file"
expect_exit 0 rbc doc --help >/dev/null
echo "ok   refusals"
