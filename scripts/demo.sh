#!/bin/sh
# scripts/demo.sh: build rbc (scripts/setup.sh) and show it on the demo
# runbook, runbooks/demo.rb, which restarts a toy service kept in a temporary
# directory (no network, a few seconds of real time):
#   rbc check   - the linter's verdict
#   rbc run     - the run, on the real clock: live progress on a terminal,
#                 one plain line per event otherwise
#   rbc disasm  - the first lines of the bytecode it compiles to
#
# usage: scripts/demo.sh [RUNBOOK [RUN-ARGS...]]
#   default: runbooks/demo.rb --param service=toy-api --yes
# Exits non-zero, naming the command, if the build or a command fails.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
runbook=${1:-runbooks/demo.rb}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- --param service=toy-api --yes

"$top/scripts/setup.sh"

rbc=$top/build/rbc
cd "$top"
[ -f "$runbook" ] || { echo "demo: error: no runbook at $runbook" >&2; exit 1; }

# step TITLE CMD...: print a banner, run CMD, stop the demo if it fails.
step() {
  title=$1
  shift
  printf '\n=== %s\n$ %s\n' "$title" "rbc $*"
  set +e
  "$rbc" "$@"
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "demo: error: 'rbc $*' exited with status $rc" >&2
    exit "$rc"
  fi
}

# The secret comes from the environment; the run shows it only as ***.
RBC_DEMO_TOKEN=${RBC_DEMO_TOKEN:-demo-token-from-the-environment}
export RBC_DEMO_TOKEN

step "check: lint the runbook" check "$runbook"
step "run: execute it for real (the service answers on its third poll)" \
  run "$runbook" "$@"

listing=${TMPDIR:-/tmp}/rbc-demo-disasm.$$
printf '\n=== disasm: the bytecode behind it (first 12 lines)\n$ rbc disasm %s\n' "$runbook"
"$rbc" disasm "$runbook" >"$listing" || {
  rm -f "$listing"
  echo "demo: error: 'rbc disasm $runbook' failed" >&2
  exit 1
}
head -n 12 "$listing"
echo "... ($(wc -l <"$listing") lines; 'rbc compile' writes the bytecode to a .rbx file)"
rm -f "$listing"
printf '\ndemo: done\n'
