#!/bin/sh
# tests/checklist.sh: the runtime of checklists, troubleshooting and
# monitors under `rbc run` (docs/language.md "Runtime of checklists,
# monitors and triggers").
#
#   - the cases tests/checklist/*.rb with goldens <case>.out on the virtual
#     clock (run-run-tests.py: verify pass/fail/error, manual items without a
#     terminal and under --yes, a recovered troubleshoot, --troubleshoot NAME,
#     monitors normal / alert / no-data / failure limit on scripted series in
#     tests/checklist/series/, secrets masked);
#   - manual items asked on a pseudo-terminal: "y" records `confirmed` by tty,
#     "n" records `declined` and fails the run (RB5050, exit 1).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

python3 "$top_srcdir/tests/run-run-tests.py" "$RBC" "$top_srcdir/tests/checklist" \
  --cases-only || fail "checklist cases"

cat >"$TMPD/manual.rb" <<'RB'
runbook "manual" {
  phase "p" {
    step "s" {
      log "rolled back"
    }
  }
  checklist "Sign-off" {
    item "Data integrity confirmed by the DBA"
    item "Error rate below 1%" verify true
  }
}
RB
mkdir "$TMPD/home"
python3 - "$RBC" "$TMPD" "$top_srcdir/tests/run-run-tests.py" <<'PY' || fail "manual items on a terminal"
import importlib.util, os, shlex, sys
rbc, tmp, runner = sys.argv[1:4]
spec = importlib.util.spec_from_file_location("runner", runner)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)            # its pty_run answers the [y/N] prompt
env = dict(os.environ, HOME=tmp + "/home", NO_COLOR="1", TERM="dumb")
fails = []
for n, (answer, code, texts) in enumerate((
        ("y", 0, ["Data integrity confirmed by the DBA [y/N]",
                  'item "Data integrity confirmed by the DBA" confirmed by=tty',
                  "checklist_confirmed=1"]),
        ("n", 1, ['item "Data integrity confirmed by the DBA" declined by=tty',
                  "RB5050", "checklist_declined=1"]))):
    argv = shlex.split(os.environ.get("RBC_WRAPPER", "")) + [
        rbc, "run", "-f", "plain", "--clock=virtual", "--journal-dir", tmp + "/j%d" % n,
        "manual.rb"]
    got, text = mod.pty_run(argv, tmp, env, answer)
    if got != code:
        fails.append("answer %s: exit %d, expected %d" % (answer, got, code))
    fails += ["answer %s: output lacks %r" % (answer, t) for t in texts if t not in text]
    if fails:
        print(text)
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PY
exit 0
