#!/bin/sh
# tests/check_docs.sh: the rule catalog.  Every code of lexer/diag_codes.def
# (as `rbc rules -f json` lists it) has a page docs/diagnostics/RBxxxx.md
# whose title names its code and kebab-case name, every page belongs to a
# code; `rbc explain CODE|NAME` prints
# the page, and an unknown code is a usage error (64) with a suggestion.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
docs="$top_srcdir/docs/diagnostics"

rbc rules -f json >"$TMPD/rules.json" || fail "rbc rules -f json failed"
python3 - "$TMPD/rules.json" "$docs" <<'PY' || fail "catalog and pages disagree (above)"
import glob, json, os, re, sys
rules = json.load(open(sys.argv[1]))
assert rules["schema"] == "rbc.rules/1"
docs = sys.argv[2]
codes = {r["code"]: r for r in rules["rules"]}
pages = {os.path.basename(p)[:-3] for p in glob.glob(os.path.join(docs, "RB*.md"))}
bad = []
for c in sorted(set(codes) - pages):
    bad.append("%s (%s) has no page docs/diagnostics/%s.md" % (c, codes[c]["name"], c))
for p in sorted(pages - set(codes)):
    bad.append("docs/diagnostics/%s.md belongs to no code of lexer/diag_codes.def" % p)
for c in sorted(set(codes) & pages):
    first = open(os.path.join(docs, c + ".md")).readline().rstrip("\n")
    want = "# %s `%s`" % (c, codes[c]["name"])
    if first != want:
        bad.append("%s.md starts with %r, expected %r" % (c, first, want))
for r in rules["rules"]:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r["name"]):
        bad.append("%s: name %r is not kebab-case" % (r["code"], r["name"]))
    if r["severity"] not in ("error", "warning", "info", "style") or not r["tags"]:
        bad.append("%s: bad severity or no tags" % r["code"])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
PY
echo "ok   every code has a page and every page a code"

# explain by code and by name prints the page itself.
rbc explain RB3009 >"$TMPD/page" || fail "rbc explain RB3009 failed"
cmp -s "$TMPD/page" "$docs/RB3009.md" || fail "rbc explain RB3009 is not the page"
rbc explain secret-in-shell >"$TMPD/page" || fail "rbc explain secret-in-shell failed"
cmp -s "$TMPD/page" "$docs/RB3001.md" || fail "rbc explain secret-in-shell is not RB3001's page"
echo "ok   rbc explain CODE and NAME"

# Unknown: exit 64, a suggestion, nothing on stdout.
set +e
rbc explain secret-in-shel >"$TMPD/out" 2>"$TMPD/err"
st=$?
set -e
[ "$st" -eq 64 ] || fail "rbc explain secret-in-shel exited $st, expected 64"
grep -q "did you mean 'secret-in-shell'" "$TMPD/err" || fail "no suggestion: $(cat "$TMPD/err")"
[ ! -s "$TMPD/out" ] || fail "stdout not empty for an unknown code"
expect_exit 64 rbc explain RB3999 2>/dev/null
expect_exit 64 rbc explain 2>/dev/null
expect_exit 64 rbc rules -f yaml 2>/dev/null
echo "ok   unknown codes are usage errors with a suggestion"

# The table forms agree with the json one.
rbc rules >"$TMPD/rules.txt"
grep -q '^RB3009 *retry-exceeds-budget *warning *default ' "$TMPD/rules.txt" \
  || fail "rbc rules (tty) does not list RB3009"
rbc rules -f md >"$TMPD/rules.md"
n_json=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rules"]))' \
  "$TMPD/rules.json")
n_md=$(grep -c '^| \[RB' "$TMPD/rules.md")
[ "$n_json" -eq "$n_md" ] || fail "rules -f md has $n_md rows, json $n_json"
echo "ok   rbc rules tty, md and json"
