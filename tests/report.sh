#!/bin/sh
# tests/report.sh: `rbc report` in every format (tty, md, json, junit) from
# journals of real runs (passed, failed, halted then resumed, interrupted by
# SIGINT), `rbc run --report-junit/--report-json` (atomic, the same bytes as
# `rbc report` of the journal, also on failure, halt and interrupt), JUnit
# parsed by a CI tool's parser (Debian's python3-junitparser) and a strict
# XML parser, the rbc.report/1 document against its schema, excerpts from
# the source (and what happens when it changed), tampered and missing
# journals, and no secret in any output.  Runbooks in tests/report/.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

HERE=$top_srcdir/tests/report
PY=/usr/bin/python3
SECRET=sentinel-Zq7-report-9931
REPORT_TOKEN=$SECRET
export REPORT_TOKEN
J=$TMPD/journal
mkdir -p "$J"
cp "$HERE"/*.rb "$TMPD/"

# run NAME EXIT [options]: rbc run on $TMPD/NAME.rb with both report files.
run() {
  name=$1
  want=$2
  shift 2
  set +e
  rbc run -f plain --journal-dir "$J" --report-junit "$TMPD/$name.xml" \
    --report-json "$TMPD/$name.report.json" "$@" "$TMPD/$name.rb" \
    >"$TMPD/$name.out" 2>"$TMPD/$name.err" </dev/null
  got=$?
  set -e
  [ "$got" = "$want" ] || fail "$name: exit $got, want $want: $(cat "$TMPD/$name.err")"
}

# run_id NAME: the id of the last run of runbook rep-NAME.
run_id() {
  sed -n 's/.* run rep-[a-z]* start id=\([^ ]*\).*/\1/p' "$TMPD/$1.out" | tail -1
}

# same NAME: rbc report of the journal gives the run's report files byte for byte.
same() {
  id=$(run_id "$1")
  [ -n "$id" ] || fail "$1: no run id in the output"
  rbc report --journal-dir "$J" -f junit "$id" >"$TMPD/$1.report.xml" ||
    fail "$1: rbc report -f junit failed"
  cmp -s "$TMPD/$1.xml" "$TMPD/$1.report.xml" ||
    fail "$1: --report-junit differs from rbc report -f junit"
  rbc report --journal-dir "$J" -f json "$id" >"$TMPD/$1.report2.json" ||
    fail "$1: rbc report -f json failed"
  cmp -s "$TMPD/$1.report.json" "$TMPD/$1.report2.json" ||
    fail "$1: --report-json differs from rbc report -f json"
  for f in tty md; do
    rbc report --journal-dir "$J" -f $f "$id" >"$TMPD/$1.$f" || fail "$1: report -f $f"
  done
}

# junit FILE TESTS FAILURES ERRORS SKIPPED: parsed by junitparser, the totals.
junit() {
  $PY - "$@" <<'EOF' || fail "junitparser rejected $1"
import sys
from junitparser import JUnitXml, TestSuite
path, tests, failures, errors, skipped = sys.argv[1], *map(int, sys.argv[2:])
xml = JUnitXml.fromfile(path)
suites = [xml] if isinstance(xml, TestSuite) else list(xml)
got = [0, 0, 0, 0]
seen = set()
for s in suites:
    cases = list(s)
    assert s.tests == len(cases), (s.name, s.tests, len(cases))
    for c in cases:
        key = (c.classname, c.name)
        assert key not in seen, ('classname+name not unique', key)
        seen.add(key)
        got[0] += 1
        kinds = [type(r).__name__ for r in c.result]
        got[1] += kinds.count('Failure')
        got[2] += kinds.count('Error')
        got[3] += kinds.count('Skipped')
    assert (s.failures, s.errors, s.skipped) == (
        sum(type(r).__name__ == 'Failure' for c in cases for r in c.result),
        sum(type(r).__name__ == 'Error' for c in cases for r in c.result),
        sum(type(r).__name__ == 'Skipped' for c in cases for r in c.result)), s.name
assert got == [tests, failures, errors, skipped], (got, [tests, failures, errors, skipped])
assert (xml.tests, xml.failures, xml.errors, xml.skipped) == tuple(got), 'testsuites totals'
EOF
  xmllint --noout "$1" || fail "xmllint rejected $1"
}

$PY -c 'import junitparser' 2>/dev/null ||
  skip "python3-junitparser is not installed (scripts/setup.sh test_pkgs)"
command -v xmllint >/dev/null || skip "xmllint (libxml2-utils) is not installed"

# {==== a failing run: retries, a skipped step, a phase never started ====
run fail 1 --clock=virtual
same fail
junit "$TMPD/fail.xml" 5 1 0 3
grep -q '<failure type="RB5004" message="retries exhausted (3 of 3' "$TMPD/fail.xml" ||
  fail "fail: no RB5004 failure in the JUnit"
grep -q 'assert 503 == 200, &quot;the service is not healthy&quot;' "$TMPD/fail.xml" ||
  fail "fail: the JUnit failure has no source excerpt"
grep -q 'testcase classname="rep-fail.Validate" name="Endpoints"' "$TMPD/fail.xml" ||
  fail "fail: the phase that never started is not named from the source"
grep -q 'not run: run stopped at step &quot;Health&quot;' "$TMPD/fail.xml" ||
  fail "fail: not-run steps are not skipped with the stopping step"
grep -q '^Outcome:  failed, exit 1, 1m of RTO 10m$' "$TMPD/fail.tty" ||
  fail "fail: tty outcome line: $(grep Outcome "$TMPD/fail.tty")"
grep -q 'attempt 2 of 3 failed \[RB5001\]' "$TMPD/fail.tty" || fail "fail: retries not in the timeline"
grep -q '^  2/3 Rollback  *1m of budget 45s (OVER)' "$TMPD/fail.tty" ||
  fail "fail: phase against its budget: $(grep Rollback "$TMPD/fail.tty")"
grep -q '^+45s      phase 2 "Rollback" over its budget of 45s (RB5005)$' "$TMPD/fail.tty" ||
  fail "fail: the budget overrun is not in the timeline"
grep -q '^15 |       assert 503 == 200' "$TMPD/fail.tty" || fail "fail: no excerpt in tty"
for h in "## Timeline of events" "## Phases and budgets" "## Failures" \
         "## Root cause analysis" "## Impact assessment" "## Lessons learned" \
         "## Action items" "## Process improvements"; do
  grep -qx "$h" "$TMPD/fail.md" || fail "fail: md has no '$h'"
done
# }====

# {==== the rbc.report/1 document against its schema ====
$PY - "$top_srcdir/docs/rbc.report-1.schema.json" "$TMPD/fail.report.json" <<'EOF' ||
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
assert doc['run']['status'] == 'failed' and doc['run']['rto_ms'] == 600000
steps = [s for p in doc['phases'] for s in p['steps']]
assert [s['status'] for s in steps] == ['pass', 'skip', 'fail', 'not_run', 'not_run'], steps
assert steps[2]['attempts'] == 3 and steps[2]['failure']['code'] == 'RB5004'
assert [p['over_budget'] for p in doc['phases']] == [False, True, False], doc['phases']
EOF
  fail "the rbc.report/1 document does not validate"
# }====

# {==== a source that changed since the run: no excerpt, and the report says so ====
id=$(run_id fail)
printf '\n# edited\n' >>"$TMPD/fail.rb"
rbc report --journal-dir "$J" "$id" >"$TMPD/changed.tty"
grep -q 'no excerpt: the source file changed since the run' "$TMPD/changed.tty" ||
  fail "changed source: the report does not say so"
# }====

# {==== halted at a gate, then resumed with --yes ====
run halt 2 --clock=virtual
same halt
junit "$TMPD/halt.xml" 3 0 0 2
grep -q '<skipped message="halted: needs --yes (no terminal)"/>' "$TMPD/halt.xml" ||
  fail "halt: the gate step is not skipped as halted"
grep -q 'gate "Deregister the instance?": halted (by no-tty)' "$TMPD/halt.tty" ||
  fail "halt: the gate and who answered it are not in the timeline"
id=$(run_id halt)
if rbc help resume >/dev/null 2>&1; then
  set +e
  rbc resume --journal-dir "$J" --clock=virtual -f plain --yes --report-junit "$TMPD/resumed.xml" \
    "$id" >"$TMPD/resumed.out" 2>"$TMPD/resumed.err" </dev/null
  got=$?
  set -e
  [ "$got" = 0 ] || fail "resume: exit $got: $(cat "$TMPD/resumed.err")"
  rbc report --journal-dir "$J" -f junit "$id" | cmp -s - "$TMPD/resumed.xml" ||
    fail "resume: --report-junit differs from rbc report -f junit"
  junit "$TMPD/resumed.xml" 3 0 0 0
  rbc report --journal-dir "$J" "$id" >"$TMPD/resumed.tty"
  grep -q 'resumed 1 time' "$TMPD/resumed.tty" || fail "resume: not counted in the report"
  grep -q 'gate "Deregister the instance?": yes (by --yes)' "$TMPD/resumed.tty" ||
    fail "resume: who answered the gate is not in the timeline"
fi
# }====

# {==== a passing run ====
run pass 0 --clock=virtual --yes
same pass
junit "$TMPD/pass.xml" 2 0 0 0
# }====

# {==== checklist items: their own suite ====
run checklist 1 --clock=virtual
same checklist
junit "$TMPD/checklist.xml" 4 1 0 1
grep -q '<testsuite name="rep-checklist / checklist" tests="3" failures="1" errors="0" skipped="1"' \
  "$TMPD/checklist.xml" || fail "checklist: no checklist suite with its counts"
grep -q 'checklist "After the rollback": Numbers add up: fail by verify' "$TMPD/checklist.tty" ||
  fail "checklist: the item is not in the timeline"
# }====

# {==== interrupted by SIGINT during a step (real clock) ====
MARK=$TMPD/started
export MARK

# start_sleeper NAME [run options]: interrupt.rb in the background, output in
# $TMPD/NAME.{out,err}; returns once its second step sleeps, rbc's pid in $pid.
start_sleeper() {
  name=$1
  shift
  rm -f "$MARK" "$MARK.pid"
  # exec: $! is rbc itself (a background subshell would ignore SIGINT)
  # shellcheck disable=SC2086
  (exec $RBC_WRAPPER "$RBC" run -f plain --journal-dir "$J" "$@" "$TMPD/interrupt.rb" \
    >"$TMPD/$name.out" 2>"$TMPD/$name.err" </dev/null) &
  pid=$!
  i=0
  until [ -s "$MARK.pid" ]; do
    i=$((i + 1))
    [ $i -lt 600 ] || { kill "$pid"; fail "$name: the run never reached its second step"; }
    sleep 0.05
  done
}

start_sleeper interrupt --report-junit "$TMPD/interrupt.xml" \
  --report-json "$TMPD/interrupt.report.json"
kill -INT "$pid"
set +e
wait "$pid"
got=$?
set -e
[ "$got" = 130 ] || fail "interrupt: exit $got, want 130: $(cat "$TMPD/interrupt.err")"
same interrupt
junit "$TMPD/interrupt.xml" 3 0 1 1
grep -q '<error type="RB5009"' "$TMPD/interrupt.xml" ||
  fail "interrupt: the interrupted step is not an <error> (cli.md 9: not an assertion)"
for f in "$TMPD"/*.tmp*; do
  [ ! -e "$f" ] || fail "a temporary report file was left behind: $f"
done
# }====

# {==== killed (SIGKILL) during a step: no run_end; the report still lists every step ====
start_sleeper killed
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
kill -KILL "$(cat "$MARK.pid")" 2>/dev/null || true     # the orphaned sleep
id=$(sed -n 's/.* run rep-intr start id=\([^ ]*\).*/\1/p' "$TMPD/killed.out")
rbc report --journal-dir "$J" -f junit "$id" >"$TMPD/killed.xml" || fail "killed: report failed"
junit "$TMPD/killed.xml" 3 0 1 1
grep -q '<error type="interrupted" message="the run was interrupted during this step">' \
  "$TMPD/killed.xml" || fail "killed: the open step is not an error"
rbc report --journal-dir "$J" "$id" >"$TMPD/killed.tty"
grep -q '^Outcome:  no end recorded' "$TMPD/killed.tty" || fail "killed: the outcome is not unknown"
# }====

# {==== refusals ====
expect_exit 66 rbc report --journal-dir "$J" 20260101T000000Z-nothing-0000
expect_exit 64 rbc report --journal-dir "$J" -f xml "$id"
expect_exit 64 rbc report
# a report directory that does not exist: 73 before anything runs
rm -f "$MARK"
expect_exit 73 rbc run --journal-dir "$J" --report-junit "$TMPD/no/such/dir/j.xml" \
  "$TMPD/interrupt.rb"
[ ! -e "$MARK" ] || fail "73: the run started although the report cannot be written"
# a tampered journal: the line is named, exit 65
id=$(run_id pass)
sed 's/"worked"/"WORKED"/' "$J/$id.jsonl" >"$TMPD/tampered.jsonl"
set +e
rbc report "$TMPD/tampered.jsonl" >/dev/null 2>"$TMPD/tampered.err"
got=$?
set -e
[ "$got" = 65 ] || fail "tampered journal: exit $got, want 65"
grep -q 'tampered.jsonl:[0-9][0-9]*:' "$TMPD/tampered.err" ||
  fail "tampered journal: no line number: $(cat "$TMPD/tampered.err")"
# the event stream of `rbc run -f jsonl` (no hash chain) is read, marked unverified
rbc run -f jsonl --clock=virtual --journal-dir "$J" "$TMPD/fail.rb" >"$TMPD/stream.jsonl" || true
rbc report "$TMPD/stream.jsonl" >"$TMPD/stream.tty"
grep -q 'without a hash chain: not verified' "$TMPD/stream.tty" || fail "plain stream not marked"
# }====

# {==== no secret in any output ====
if grep -rl -- "$SECRET" "$TMPD" "$J" 2>/dev/null | grep -v '\.rb$'; then
  fail "the secret's value reached an output (files above)"
fi
grep -q 'token is \*\*\*' "$TMPD/fail.tty" || fail "the masked log line is missing"
# }====

exit 0
