#!/bin/sh
# bench/vm.sh [RBC]: rbc's interpreter against Lua 5.4 on four small programs
# (bench/vm/*.rb and the equivalent bench/vm/*.lua; bench/README.md):
#   fib     fib(30) by naive recursion (2,692,537 calls)
#   sum     a counting loop summing 1..10^7 (`for i in range(...)`)
#   concat  10^5 small strings "item<i>," joined
#   map     10^6 string-key inserts, then 10^6 lookups
#
# RBC defaults to $RBC, then build-bench/rbc, then build/rbc in the source
# tree (build it without --enable-debug or sanitizers).  Needs hyperfine and
# lua5.4.  Environment: RUNS (default 5), WARMUP (default 2), LUA (default
# lua5.4), ONLY (space-separated subset, e.g. ONLY="fib sum").
# Every rbc run is `rbc run --clock=virtual -f plain` with the journal in a
# temporary directory; both sides' printed results are compared first.
# CALLGRIND=1: instead of timing, count instructions with valgrind's callgrind
# (independent of the machine's load; slow: use ONLY="fib sum concat"), each
# side in total and net of its start-up (a program that prints one number).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
rbc=${1:-${RBC:-}}
if [ -z "$rbc" ]; then
  rbc=$top/build-bench/rbc
  [ -x "$rbc" ] || rbc=$top/build/rbc
fi
runs=${RUNS:-5}
warmup=${WARMUP:-2}
lua=${LUA:-lua5.4}
only=${ONLY:-fib sum concat map}

for tool in hyperfine "$lua" python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "vm.sh: $tool not found" >&2; exit 77; }
done
[ -x "$rbc" ] || { echo "vm.sh: no rbc binary at '$rbc'" >&2; exit 77; }
rbc=$(cd "$(dirname "$rbc")" && pwd)/$(basename "$rbc")

work=$(mktemp -d "${TMPDIR:-/tmp}/rbc-vm-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/journal"
dir=$top/bench/vm

# Same answer on both sides, or the timing means nothing.
for b in $only; do
  want=$("$lua" "$dir/$b.lua")
  got=$("$rbc" run --clock=virtual -f plain --journal-dir "$work/journal" "$dir/$b.rb" \
        | sed -n 's/.* log \(.*\)$/\1/p')
  if [ "$want" != "$got" ]; then
    echo "vm.sh: $b: rbc printed '$got', lua printed '$want'" >&2
    exit 1
  fi
done

if [ "${CALLGRIND:-0}" = 1 ]; then
  command -v valgrind >/dev/null 2>&1 || { echo "vm.sh: valgrind not found" >&2; exit 77; }
  printf 'runbook "empty" {\n  phase "vm" {\n    step "empty" {\n      log 1\n    }\n  }\n}\n' \
    >"$work/empty.rb"
  echo 'print(1)' >"$work/empty.lua"
  # count CMD...: instructions callgrind collects for CMD
  count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
      | sed -n 's/.*Collected : *//p'
  }
  r0=$(count "$rbc" run --clock=virtual -f plain --journal-dir "$work/journal" "$work/empty.rb")
  l0=$(count "$lua" "$work/empty.lua")
  printf '%-8s %14s %14s %8s %8s\n' bench "rbc instr" "lua instr" rbc/lua "net"
  printf '%-8s %14s %14s\n' start-up "$r0" "$l0"
  for b in $only; do
    r=$(count "$rbc" run --clock=virtual -f plain --journal-dir "$work/journal" "$dir/$b.rb")
    l=$(count "$lua" "$dir/$b.lua")
    python3 -c 'import sys; b, r, l, r0, l0 = sys.argv[1], *map(int, sys.argv[2:])
print("%-8s %14d %14d %8.2f %8.2f" % (b, r, l, r / l, (r - r0) / (l - l0)))' "$b" "$r" "$l" "$r0" "$l0"
  done
  echo
  echo "net: both sides' start-up (the empty program's count) subtracted"
  exit 0
fi

set --
for b in $only; do
  set -- "$@" "$rbc run --clock=virtual -f plain --journal-dir $work/journal $dir/$b.rb" \
    "$lua $dir/$b.lua"
done
hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$work/result.json" \
  --style basic --output null "$@"

python3 - "$work/result.json" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
med = {}
for r in res:
    words = r["command"].split()
    name = words[-1].rsplit("/", 1)[1].rsplit(".", 1)[0]
    side = "lua" if words[-1].endswith(".lua") else "rbc"
    med[(name, side)] = (statistics.median(r["times"]), min(r["times"]), max(r["times"]))
print()
print("%-8s %12s %12s %10s  %s" % ("bench", "rbc ms", "lua ms", "rbc/lua", "target <= 2.0"))
for name in dict.fromkeys(k[0] for k in med):
    r, l = med[(name, "rbc")][0], med[(name, "lua")][0]
    print("%-8s %12.1f %12.1f %10.2f  %s" % (name, r * 1e3, l * 1e3, r / l,
                                            "ok" if r / l <= 2.0 else "MISSED"))
print()
print("medians of %d runs each (min-max: %s)" % (len(res[0]["times"]), ", ".join(
    "%s %s %.1f-%.1f" % (k[0], k[1], v[1] * 1e3, v[2] * 1e3) for k, v in med.items())))
PY
