#!/bin/sh
# tests/limits.sh: rbc's resource limits (tests/limits.py; docs/security.md
# "Limits"): 1,000,000-deep nesting and chains are RB1009, runaway recursion
# and deep values RB5011, sh output capped at 1 MiB, range() capped, a
# runaway string is RB9001 under a memory limit, and `rbc check` costs
# linear instructions in its input (callgrind counts, no clock).
# Under ASan the depth is 100,000 and the memory-limit and callgrind parts are
# skipped (ASan needs the address space; valgrind cannot run an ASan binary);
# under valgrind (RBC_WRAPPER) the depth is 20,000 and the memory-limit part
# is skipped.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

if [ -n "$RBC_WRAPPER" ]; then
  set -- --depth 20000 --value-depth 10000 --no-ulimit
elif ldd "$RBC" 2>/dev/null | grep -q libasan; then
  set -- --depth 100000 --no-ulimit --no-callgrind
else
  set --
fi
exec python3 "$top_srcdir/tests/limits.py" "$RBC" "$@"
