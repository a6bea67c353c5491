#!/bin/sh
# bench/shell-steps.sh [RBC]: the cost of a shell step.  One generated
# runbook of N steps (default 200), each `sh "true"`, run by
# `rbc run --clock=virtual -f plain`, against what a bash script doing the
# same does (bench/README.md):
#   bash-sh-c   `bash script.sh` with N lines `/bin/sh -c true` (what a bash
#               runbook handing each step to the shell does: the fair match,
#               since rbc runs every `sh` as /bin/sh -c LINE)
#   bash-exec   `bash script.sh` with N lines `/bin/true` (fork + exec only)
# Prints the medians, the ratios rbc / bash and rbc's cost per step.
#
# RBC defaults to $RBC, then build-bench/rbc, then build/rbc.  Needs
# hyperfine and bash.  Environment: STEPS (default 200), RUNS (default 10),
# WARMUP (default 2).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
rbc=${1:-${RBC:-}}
if [ -z "$rbc" ]; then
  rbc=$top/build-bench/rbc
  [ -x "$rbc" ] || rbc=$top/build/rbc
fi
steps=${STEPS:-200}
runs=${RUNS:-10}
warmup=${WARMUP:-2}

for tool in hyperfine bash python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "shell-steps: $tool not found" >&2; exit 77; }
done
[ -x "$rbc" ] || { echo "shell-steps: no rbc binary at '$rbc'" >&2; exit 77; }
rbc=$(cd "$(dirname "$rbc")" && pwd)/$(basename "$rbc")

work=$(mktemp -d "${TMPDIR:-/tmp}/rbc-shell-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/journal"

# The runbook: one phase, N steps of one `sh "true"` each.
{
  echo "runbook \"shell-steps\" {"
  echo "  phase \"steps\" {"
  i=1
  while [ "$i" -le "$steps" ]; do
    printf '    step "s%d" {\n      sh "true"\n    }\n' "$i"
    i=$((i + 1))
  done
  echo "  }"
  echo "}"
} >"$work/steps.rb"
# The bash scripts.
{
  i=1
  while [ "$i" -le "$steps" ]; do echo "/bin/sh -c true"; i=$((i + 1)); done
} >"$work/sh-c.sh"
{
  i=1
  while [ "$i" -le "$steps" ]; do echo "/bin/true"; i=$((i + 1)); done
} >"$work/exec.sh"

run="$rbc run --clock=virtual -f plain --journal-dir $work/journal $work/steps.rb"
# The runbook must pass, every step, or we would time a failure.
passed=$($run | grep -c ' ok ' || true)
[ "$passed" -ge "$steps" ] || { echo "shell-steps: only $passed of $steps steps passed" >&2; exit 1; }

hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$work/result.json" \
  --style basic --output null "$run" "bash $work/sh-c.sh" "bash $work/exec.sh"

python3 - "$work/result.json" "$steps" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
med = [statistics.median(r["times"]) for r in res]
rbc, shc, ex = med
print()
print("%-34s %10s %12s" % ("command (%d steps)" % n, "median ms", "per step ms"))
for name, m in (("rbc run (sh \"true\" per step)", rbc), ("bash: /bin/sh -c true per line", shc),
                ("bash: /bin/true per line", ex)):
    print("%-34s %10.1f %12.3f" % (name, m * 1e3, m * 1e3 / n))
print()
print("ratio rbc / bash sh -c : %.2f  (target <= 1.3: %s)" % (rbc / shc,
      "ok" if rbc / shc <= 1.3 else "MISSED"))
print("ratio rbc / bash exec  : %.2f" % (rbc / ex))
print("rbc overhead per step over bash sh -c: %.3f ms" % ((rbc - shc) * 1e3 / n))
PY
