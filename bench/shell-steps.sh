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

# Two rbc runs: the journal on the work directory's disk (fsync at every
# step and phase boundary, the default durability: docs/journal.md), and on
# tmpfs (/dev/shm), where fsync costs nothing, which leaves what rbc itself
# adds per step.  The target applies to the second; the first shows the
# price of a journal that survives a power cut.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=$work
jshm=$(mktemp -d "$shm/rbc-shell-bench-j.XXXXXX")
trap 'rm -rf "$work" "$jshm"' EXIT
run="$rbc run --clock=virtual -f plain --journal-dir $work/journal $work/steps.rb"
runshm="$rbc run --clock=virtual -f plain --journal-dir $jshm $work/steps.rb"
# The runbook must pass, every step, or we would time a failure.
passed=$($run | grep -c ' ok ' || true)
[ "$passed" -ge "$steps" ] || { echo "shell-steps: only $passed of $steps steps passed" >&2; exit 1; }

hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$work/result.json" \
  --style basic --output null "$run" "$runshm" "bash $work/sh-c.sh" "bash $work/exec.sh"

python3 - "$work/result.json" "$steps" "$(df -PT "$work" | awk 'NR == 2 { print $2 }')" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
fs = sys.argv[3]
med = [statistics.median(r["times"]) for r in res]
rbc, rbcshm, shc, ex = med
print()
print("%-44s %10s %12s" % ("command (%d steps)" % n, "median ms", "per step ms"))
for name, m in (("rbc run, journal on %s (fsync per step)" % fs, rbc),
                ("rbc run, journal on tmpfs", rbcshm),
                ("bash: /bin/sh -c true per line", shc),
                ("bash: /bin/true per line", ex)):
    print("%-44s %10.1f %12.3f" % (name, m * 1e3, m * 1e3 / n))
print()
print("ratio rbc (tmpfs journal) / bash sh -c : %.2f  (target <= 1.3: %s)" % (rbcshm / shc,
      "ok" if rbcshm / shc <= 1.3 else "MISSED"))
print("ratio rbc (%s journal) / bash sh -c   : %.2f" % (fs, rbc / shc))
print("rbc overhead per step over bash sh -c: %.3f ms (tmpfs journal), %.3f ms (%s)"
      % ((rbcshm - shc) * 1e3 / n, (rbc - shc) * 1e3 / n, fs))
PY
