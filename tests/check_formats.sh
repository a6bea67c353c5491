#!/bin/sh
# tests/check_formats.sh: the machine formats of `rbc check` beyond the
# goldens.  SARIF is validated against the SARIF 2.1.0 JSON schema
# (tests/data/sarif-2.1.0.json, the OASIS schema as the npm package
# @microsoft/jest-sarif ships it) with python3-jsonschema, plus the MUSTs of
# cli.md 11; GitHub annotations and quiet; the --sarif-file/--json-file
# sinks written in the same run as the tty output; --diff against --fix.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
# Debian's python3-jsonschema serves /usr/bin/python3 (scripts/setup.sh installs it).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
$PY -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed"
schema=$top_srcdir/tests/data/sarif-2.1.0.json
cd "$top_srcdir/tests"

# Every diag golden case and every rule case, one SARIF log each, plus all
# of them in one run, plus a clean file (results must be []).
n=0
for f in diag/*.rb check/rules/*.rb check/suppress/*.rb; do
  n=$((n + 1))
  rbc check -f sarif --show-suppressed "$f" >"$TMPD/$n.sarif" || true
done
rbc check -f sarif diag check/rules >"$TMPD/all.sarif" || true
rbc check -f sarif diag/clean.rb >"$TMPD/clean.sarif" || fail "clean.rb has findings"
$PY - "$schema" "$TMPD" <<'PY' || fail "SARIF (above)"
import glob, json, os, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft4Validator(schema)
bad = []
for path in sorted(glob.glob(os.path.join(sys.argv[2], "*.sarif"))):
    doc = json.load(open(path))
    errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    for e in errs[:3]:
        bad.append("%s: %s at %s" % (os.path.basename(path), e.message, list(e.path)))
    # cli.md 11 MUSTs beyond the schema
    assert doc["version"] == "2.1.0" and doc["$schema"] and len(doc["runs"]) == 1, path
    run = doc["runs"][0]
    drv = run["tool"]["driver"]
    assert drv["name"] == "rbc" and isinstance(run["results"], list), path
    ids = [r["id"] for r in drv["rules"]]
    for r in drv["rules"]:
        for k in ("shortDescription", "fullDescription", "help"):
            assert 0 < len(r[k]["text"]) <= 1024, (path, r["id"], k)
        assert r["name"] and r["helpUri"], r
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note"), r
    for res in run["results"]:
        assert res["ruleId"] in ids and ids[res["ruleIndex"]] == res["ruleId"], res
        assert res["level"] in ("error", "warning", "note") and res["message"]["text"], res
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri and "\\" not in uri, uri
        reg = loc["region"]
        assert min(reg["startLine"], reg["startColumn"], reg["endLine"], reg["endColumn"]) >= 1
        assert res["properties"]["rbcSeverity"] in ("error", "warning", "info", "style")
    if path.endswith("clean.sarif"):
        assert run["results"] == [], path
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
PY
echo "ok   SARIF validates against the 2.1.0 schema ($n files) and cli.md 11"

# Rule metadata comes from the diagnostic pages (rbc explain's text).
rbc check -f sarif diag/safety_rules.rb >"$TMPD/rules.sarif" || true
python3 - "$TMPD/rules.sarif" "$top_srcdir/docs/diagnostics/RB3009.md" <<'PY' \
  || fail "SARIF rule metadata is not the page's"
import json, sys
rules = {r["id"]: r for r in json.load(open(sys.argv[1]))["runs"][0]["tool"]["driver"]["rules"]}
page = open(sys.argv[2]).read()
r = rules["RB3009"]
assert r["name"] == "retry-exceeds-budget" and r["help"]["markdown"] == page, r
assert r["fullDescription"]["text"].startswith("Inside a phase with a `within` budget"), r
assert r["help"]["text"].startswith("Lower the attempts"), r
assert r["defaultConfiguration"]["level"] == "warning" and r["helpUri"].endswith("/RB3009")
PY
echo "ok   SARIF rules: id, name, descriptions and help from the pages"

# Sinks: tty on stdout, json and SARIF files from the same run, equal to
# what -f json / -f sarif print.
rbc check --color=never --json-file "$TMPD/sink.json" --sarif-file "$TMPD/sink.sarif" \
  diag/warnings.rb >"$TMPD/tty" || true
grep -q "^Found 4 problems" "$TMPD/tty" || fail "tty output missing next to the sinks"
rbc check -f json diag/warnings.rb >"$TMPD/direct.json" || true
rbc check -f sarif diag/warnings.rb >"$TMPD/direct.sarif" || true
cmp -s "$TMPD/sink.json" "$TMPD/direct.json" || fail "--json-file differs from -f json"
cmp -s "$TMPD/sink.sarif" "$TMPD/direct.sarif" || fail "--sarif-file differs from -f sarif"
expect_exit 73 rbc check --sarif-file "$TMPD/no/such/dir/x.sarif" diag/clean.rb 2>/dev/null
echo "ok   --json-file and --sarif-file next to the tty output"

# GitHub annotations: one workflow command per finding, properly formed.
rbc check -f github diag/warnings.rb check/rules/rb3009_retry_fires.rb >"$TMPD/gh" || true
[ "$(wc -l <"$TMPD/gh")" -eq 5 ] || fail "expected 5 annotations: $(cat "$TMPD/gh")"
if grep -Ev '^::(error|warning|notice) file=[^,:]+,line=[0-9]+,col=[0-9]+,(endColumn|endLine)=[0-9]+,title=RB[0-9]{4} [a-z0-9-]+::.+$' "$TMPD/gh"; then
  fail "malformed annotation (above)"
fi
grep -q '^::notice .*title=RB4005 checklist-unverified::' "$TMPD/gh" || fail "info is not a notice"
echo "ok   github annotations"

# quiet: nothing on stdout, the exit status only.
set +e
rbc check -f quiet diag/warnings.rb >"$TMPD/q"
st=$?
set -e
[ "$st" -eq 1 ] && [ ! -s "$TMPD/q" ] || fail "quiet: exit $st, output '$(cat "$TMPD/q")'"
expect_exit 0 rbc check -f quiet diag/clean.rb
echo "ok   quiet"

# --diff shows what --fix would do, changes nothing, and applies with patch.
mkdir -p "$TMPD/w"
cat >"$TMPD/w/fx.rb" <<'RB'
runbook "t" {
  title "T"
  criticality low
  rto 15m
  owner "team-test"
  param lb_dns = "x"
  # rbc: ignore[RB3002] -- nothing to hide
  phase "P" {
    step "S" {
      log lb_dsn   # rbc: ignore[RB3006] -- stale
      log "ok"
    }
  }
}
RB
cp "$TMPD/w/fx.rb" "$TMPD/orig.rb"
cd "$TMPD/w"
set +e
rbc check --diff fx.rb >"$TMPD/fx.diff"
st=$?
set -e
[ "$st" -eq 1 ] || fail "--diff with fixes exited $st, expected 1"
cmp -s fx.rb "$TMPD/orig.rb" || fail "--diff changed the file"
head -2 "$TMPD/fx.diff" | tr '\n' ' ' | grep -q '^--- a/fx.rb +++ b/fx.rb ' || fail "diff header"
patch -s -p1 -o "$TMPD/patched.rb" fx.rb <"$TMPD/fx.diff" || fail "the diff does not apply"
rbc check --fix fx.rb >/dev/null 2>&1 || true
cmp -s fx.rb "$TMPD/patched.rb" || fail "--diff and --fix disagree"
expect_exit 0 rbc check --diff fx.rb
# RB4004's fix is `rbc fmt`'s layout; the diff keeps untouched lines as context.
printf 'runbook "t" {\n  title "T"\n  criticality low\n  rto 15m\n  owner "o"\n}\n' >nf.rb
rbc check --enable not-formatted --diff nf.rb >"$TMPD/nf.diff" || true
grep -q '^   criticality low$' "$TMPD/nf.diff" || fail "unchanged line not kept as context"
patch -s -p1 -o "$TMPD/nf.patched" nf.rb <"$TMPD/nf.diff" || fail "the RB4004 diff does not apply"
rbc fmt - <nf.rb | cmp -s - "$TMPD/nf.patched" || fail "RB4004's fix is not rbc fmt's output"
echo "ok   --diff"

# Colour: tty with --color=always is the --color=never text plus escapes;
# machine formats never carry an escape, whatever forces colour.
cd "$top_srcdir/tests"
rbc check --color=always diag/warnings.rb >"$TMPD/color" || true
rbc check --color=never diag/warnings.rb >"$TMPD/plain" || true
grep -q "$(printf '\033')\[" "$TMPD/color" || fail "--color=always wrote no escape"
sed "s/$(printf '\033')\[[0-9;]*m//g" "$TMPD/color" | cmp -s - "$TMPD/plain" \
  || fail "--color=always differs from --color=never beyond the escapes"
for f in gcc json sarif github; do
  CLICOLOR_FORCE=1 TERM=xterm rbc check --color=always -f $f diag/warnings.rb >"$TMPD/m" || true
  ! grep -q "$(printf '\033')" "$TMPD/m" || fail "-f $f output holds an escape"
done
echo "ok   colour only in tty"
