#!/bin/sh
# tests/demo.sh: the demo runbook (runbooks/demo.rb, what scripts/demo.sh
# shows) checks clean and runs for real: on the real clock, with the stdlib
# import, the retry that recovers on the third poll, the troubleshoot that
# repairs, the skipped step, the gate answered by --yes, and the secret
# masked.  Without --yes (no terminal) it halts at the gate (exit 2); a
# missing required param stops it before any step (exit 64).  The example
# of README.md's "The language in brief" checks clean too.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

demo=$top_srcdir/runbooks/demo.rb
token='demo-sentinel-token-7781'
unset RBC_LIB_PATH CI
# the freshness rule (RB4002) measures `tested` against a pinned date
RBC_TODAY=2026-11-27
export RBC_TODAY
# the demo's state directory (mktemp -t) goes under $TMPD, even after a halt
TMPDIR=$TMPD
export TMPDIR

expect_exit 0 rbc check "$demo"

t0=$(date +%s)
set +e
RBC_DEMO_TOKEN=$token rbc run "$demo" --param service=toy-api --yes >"$TMPD/out" 2>&1
st=$?
set -e
t1=$(date +%s)
[ "$st" -eq 0 ] || { cat "$TMPD/out" >&2; fail "the demo run exited $st"; }
for want in 'run demo start' 'gate yes by=--yes question="Stop toy-api now?"' \
    'phase 4/4 "Clean up"' '"Health check" retry 2/5' \
    '"Health check" ok' '"Start the new process" wait poll=' 'log sent token ***' \
    '"Load the configuration" recovered' '"Roll back the database" skipped when=false' \
    'run PASSED' 'pass=9 fail=0 skip=1 not_run=0 recovered=1 checklist_pass=1 checklist_unconfirmed=1 exit=0' \
    'checklist "After the restart" item "The state directory is removed" pass by=verify'; do
  grep -qF -- "$want" "$TMPD/out" || { cat "$TMPD/out" >&2; fail "demo output lacks '$want'"; }
done
if grep -qF -- "$token" "$TMPD/out"; then
  fail "the demo printed its secret"
fi
# real clock: the service answers on its third poll, one second apart
[ $((t1 - t0)) -ge 2 ] || fail "the demo took $((t1 - t0))s: was it on the real clock?"
[ -n "$RBC_WRAPPER" ] || [ $((t1 - t0)) -le 15 ] || fail "the demo took $((t1 - t0))s"

# without --yes and without a terminal, the confirm gate halts the run: exit 2
set +e
rbc run "$demo" --param service=toy-api </dev/null >"$TMPD/out" 2>&1
st=$?
set -e
[ "$st" -eq 2 ] || { cat "$TMPD/out" >&2; fail "without --yes the demo exited $st, not 2"; }
grep -qF 'run HALTED' "$TMPD/out" || { cat "$TMPD/out" >&2; fail "no 'run HALTED' without --yes"; }

set +e
rbc run "$demo" --yes >"$TMPD/out" 2>&1
st=$?
set -e
[ "$st" -eq 64 ] ||
  { cat "$TMPD/out" >&2; fail "without --param service the demo exited $st, not 64"; }
grep -qF 'nothing was executed' "$TMPD/out" || fail "no 'nothing was executed' without the param"
# the README's example: the first ``` block after "## The language in brief"
python3 - "$top_srcdir/README.md" "$TMPD/readme.rb" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
a = s.index("## The language in brief")
b = s.index("```\n", a) + 4
open(sys.argv[2], "w", encoding="utf-8").write(s[b:s.index("```\n", b)])
PY
expect_exit 0 rbc check "$TMPD/readme.rb"
echo "ok: the demo runbook and the README example"
