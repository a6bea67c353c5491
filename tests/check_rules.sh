#!/bin/sh
# tests/check_rules.sh: one case per `rbc check` rule that fires and one that
# does not (tests/check/rules/<code>_fires.rb, <code>_quiet.rb), with the
# inline expectations of tests/run-lang-tests.py.  "Today" is pinned with
# RBC_TODAY so the freshness rule (RB4002) does not depend on the date.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
RBC_TODAY=2026-06-01
export RBC_TODAY
status=0
python3 "$top_srcdir/tests/run-lang-tests.py" "$RBC" "$top_srcdir/tests/check/rules" || status=1
# Every RB3xxx/RB4xxx rule the checker emits has a firing case here.
for f in "$top_srcdir"/tests/check/rules/*_fires.rb; do
  code=$(basename "$f" | sed 's/_.*//' | tr a-z A-Z)
  grep -q "expect [a-z]* line [0-9]*.*: $code" "$f" || {
    echo "FAIL $f expects no $code finding"
    status=1
  }
done
exit $status
