#!/bin/sh
# tests/check_suppress.sh: suppression comments (cli.md 5): trailing,
# next-statement, ranges, whole file, by code and by name; RB4090 for
# directives that do nothing; RB4091 and required reasons per profile
# (tests/check/suppress/*.rb, inline expectations); suppressed findings are
# counted, hidden, and shown with --show-suppressed (json and SARIF).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
dir=$top_srcdir/tests/check/suppress
python3 "$top_srcdir/tests/run-lang-tests.py" "$RBC" "$dir"

cd "$dir"
rbc check --color=never forms.rb >"$TMPD/tty" || true
grep -q "^Found 3 problems in 1 file: 3 warnings. (6 suppressed)" "$TMPD/tty" \
  || fail "summary: $(tail -1 "$TMPD/tty")"
rbc check -f json --show-suppressed forms.rb >"$TMPD/json" || true
rbc check -f sarif --show-suppressed forms.rb >"$TMPD/sarif" || true
python3 - "$TMPD/json" "$TMPD/sarif" <<'PY' || fail "suppressed findings (above)"
import json, sys
doc = json.load(open(sys.argv[1]))
sup = [d for d in doc["diagnostics"] if d["suppressed"]]
assert len(sup) == 6 and doc["summary"]["suppressed"] == 6, (len(sup), doc["summary"])
assert doc["summary"]["warning"] == 3, doc["summary"]
res = json.load(open(sys.argv[2]))["runs"][0]["results"]
s = [r for r in res if r.get("suppressions")]
assert len(s) == 6, len(s)
assert all(x["suppressions"][0]["kind"] == "inSource" for x in s)
assert {x["suppressions"][0].get("justification") for x in s} >= {"masked test token", "range"}
PY
echo "ok   suppressed findings: counted, hidden, --show-suppressed in json and SARIF"
