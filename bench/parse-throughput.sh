#!/bin/sh
# bench/parse-throughput.sh [RBC]: parse/check/compile throughput of rbc
# against `luac5.4 -p` on equivalent ~5 MB sources (bench/README.md).
#
# RBC defaults to $RBC, then build/rbc in the source tree.  Needs hyperfine,
# luac5.4 and python3.  Environment: UNITS (default 40000), RUNS (default 10),
# WARMUP (default 2), OUT (work directory, default a temporary one),
# CALLGRIND=1 (also count instructions with valgrind: a load-independent
# figure for a busy machine).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
rbc=${1:-${RBC:-$top/build/rbc}}
units=${UNITS:-40000}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
luac=${LUAC:-luac5.4}

for tool in hyperfine "$luac" python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "parse-throughput: $tool not found" >&2; exit 77; }
done
[ -x "$rbc" ] || { echo "parse-throughput: no rbc binary at '$rbc'" >&2; exit 77; }
rbc=$(cd "$(dirname "$rbc")" && pwd)/$(basename "$rbc")

if [ -n "${OUT:-}" ]; then
  work=$OUT
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/rbc-parse-bench.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

python3 "$top/bench/gen_parse_inputs.py" "$work" --units "$units" >"$work/sizes.txt"
cat "$work/sizes.txt"

# The inputs must be accepted, or we would time error paths.
"$luac" -p "$work/big.lua" || { echo "parse-throughput: luac rejects big.lua" >&2; exit 1; }
set +e
"$rbc" check -f gcc "$work/big.rb" >"$work/check.out" 2>&1
st=$?
set -e
if [ "$st" -gt 1 ] || grep -q ': error:' "$work/check.out"; then
  echo "parse-throughput: 'rbc check big.rb' exited $st with errors:" >&2
  head -20 "$work/check.out" >&2
  exit 1
fi
[ "$st" -eq 0 ] || echo "note: rbc check big.rb reports warnings (exit 1); timing anyway"
have_compile=yes
# big.rb needs more than the 65,535 constants a chunk holds (40,000 names and
# 40,000 distinct call arguments), so compile is timed on the library file.
if ! "$rbc" compile "$work/big-lib.rb" -o "$work/big.rbx" >"$work/compile.out" 2>&1; then
  echo "note: 'rbc compile' failed or is missing; timing check only:"
  head -5 "$work/compile.out"
  have_compile=no
fi

set -- "$luac -p $work/big.lua" "$rbc check -f gcc $work/big.rb" \
  "$rbc check -f gcc $work/big-lib.rb"
[ "$have_compile" = no ] || set -- "$@" "$rbc compile $work/big-lib.rb -o $work/big.rbx"
hyperfine -N -i --warmup "$warmup" --runs "$runs" --export-json "$work/result.json" \
  --style basic "$@"

python3 - "$work/result.json" "$work/sizes.txt" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
sizes = {}
for line in open(sys.argv[2]):
    path, nbytes, nlines = line.split()
    sizes[path.rsplit("/", 1)[1]] = (int(nbytes), int(nlines))
def input_of(cmd):
    for name in sorted(sizes, key=len, reverse=True):
        if cmd.split(" -o ")[0].endswith(name):
            return name
rows = []
for r in res:
    name = input_of(r["command"])
    nbytes, nlines = sizes[name]
    med = statistics.median(r["times"])
    rows.append((r["command"], name, med,
                 nbytes / med / 1e6, nlines / med))
print()
print("%-10s %-12s %10s %10s %12s" % ("tool", "input", "median ms", "MB/s", "lines/s"))
luac_mbs = None
for cmd, name, med, mbs, lps in rows:
    words = cmd.split()
    tool = "luac -p" if "luac" in words[0] else "rbc " + words[1]
    print("%-10s %-12s %10.1f %10.2f %12.0f" % (tool, name, med * 1000, mbs, lps))
    if tool == "luac -p":
        luac_mbs = mbs
if luac_mbs:
    print()
    for cmd, name, med, mbs, lps in rows:
        words = cmd.split()
        if "luac" not in words[0]:
            print("ratio rbc %s %s / luac -p: %.2f (target >= 0.50)"
                  % (words[1], name, mbs / luac_mbs))
PY

if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
  echo
  echo "instructions per input byte (valgrind --tool=callgrind, load-independent):"
  ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
      | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
  }
  lua_ir=$(ir "$luac" -p "$work/big.lua")
  rb_ir=$(ir "$rbc" check -f gcc "$work/big.rb")
  python3 - "$lua_ir" "$rb_ir" "$work/sizes.txt" <<'PY'
import sys
lua_ir, rb_ir = int(sys.argv[1]), int(sys.argv[2])
sizes = {l.split()[0].rsplit("/", 1)[1]: int(l.split()[1]) for l in open(sys.argv[3])}
lua_b, rb_b = sizes["big.lua"], sizes["big.rb"]
print("  luac -p big.lua:    %6.1f instr/byte (%d instructions)" % (lua_ir / lua_b, lua_ir))
print("  rbc check big.rb:   %6.1f instr/byte (%d instructions)" % (rb_ir / rb_b, rb_ir))
print("  ratio (throughput by instructions) rbc/luac: %.2f" % ((lua_ir / lua_b) / (rb_ir / rb_b)))
PY
fi
