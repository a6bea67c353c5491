#!/bin/sh
# tests/lang.sh: the language tests (tests/lang/**/*.rb, inline expectations),
# checked with `rbc check -f json` by tests/run-lang-tests.py; then the demo
# runbook, which must check without a single error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
status=0
python3 "$top_srcdir/tests/run-lang-tests.py" "$RBC" "$top_srcdir/tests/lang" || status=1
set +e
rbc check -f json "$top_srcdir/runbooks/payments-api.rb" >"$TMPD/demo.json"
st=$?
set -e
if [ "$st" -gt 1 ]; then
  echo "FAIL runbooks/payments-api.rb: rbc check exited $st"
  status=1
elif ! python3 -c '
import json, sys
errs = [d for d in json.load(open(sys.argv[1]))["diagnostics"] if d["severity"] == "error"]
for d in errs:
    print("    line %s col %s %s %s" % (d["line"], d["column"], d["code"], d["message"]))
sys.exit(1 if errs else 0)' "$TMPD/demo.json"; then
  echo "FAIL runbooks/payments-api.rb: errors above"
  status=1
else
  echo "ok   runbooks/payments-api.rb (no errors)"
fi
exit $status
