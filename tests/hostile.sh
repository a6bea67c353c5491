#!/bin/sh
# tests/hostile.sh: random, truncated, deep, huge and corrupted inputs must
# never crash `rbc check` or `rbc disasm` (tests/hostile.py).
# HOSTILE_SCALE (default 1) shrinks or grows the case count (an ASan+UBSan
# build starts each process ~10x slower: use HOSTILE_SCALE=0.1 there).  Under a
# wrapper (valgrind: RBC_WRAPPER set) the run is scaled down to 0.05, skips the
# 1 MB / 100,000-line cases and stops after 240 s (reported, not a failure).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
if [ -n "$RBC_WRAPPER" ]; then
  set -- --light --scale "${HOSTILE_SCALE:-0.05}" --timeout 300 --max-seconds 240
else
  set -- --scale "${HOSTILE_SCALE:-1}"
fi
exec python3 "$top_srcdir/tests/hostile.py" "$RBC" "$top_srcdir" "$@" \
  --save "${TMPDIR:-/tmp}/rbc-hostile-failures"
