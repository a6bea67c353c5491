#!/bin/sh
# scripts/demo.sh: build rbc (scripts/setup.sh) and show it on the
# acceptance runbook, runbooks/payments-api.rb:
#   rbc check  - the linter's verdict
#   rbc disasm - the bytecode the runbook compiles to
#
# usage: scripts/demo.sh [RUNBOOK]
# Exits non-zero, naming the step, if the build or a command fails.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
runbook=${1:-runbooks/payments-api.rb}

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

step "check: lint the runbook" check "$runbook"
step "disasm: the compiled bytecode" disasm "$runbook"
printf '\ndemo: done\n'
