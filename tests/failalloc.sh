#!/bin/sh
# tests/failalloc.sh: make the Nth allocation fail, for N over every
# allocation rbc makes on representative commands (check tty/json/sarif, compile,
# disasm, fmt, run with params, fns, loops and a shell command): each run
# must end like the normal run or with a clean "out of memory" error (exit
# 70; for `run` also 1 or 74), never a crash or a sanitizer report (leaks
# included under ASan).  tests/failalloc.py says how; tests/failmalloc.c is
# the LD_PRELOAD shim (built as tests/libfailmalloc.so by `make check`).
#
# CI tries a deterministic sample per command (every N up to 40, then
# evenly spread: at most 150 plain, 40 under ASan; skipped under valgrind);
# FAILALLOC_FULL=1 tries every N (about 2,100 runs, ~30 s plain, minutes under ASan).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

shim=$top_builddir/tests/libfailmalloc.so
[ -f "$shim" ] || skip "no $shim (make check builds it)"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"

# valgrind's memcheck replaces malloc in every object, the shim's too, so no
# allocation can be made to fail under it: the ASan run checks the leaks.
[ -z "$RBC_WRAPPER" ] || skip "valgrind replaces the allocator the shim hooks (ASan checks leaks)"
if [ "${FAILALLOC_FULL:-0}" = 1 ]; then
  set -- --full
elif ldd "$RBC" 2>/dev/null | grep -q libasan; then
  set -- --budget 40
else
  set -- --budget 150
fi
exec python3 "$top_srcdir/tests/failalloc.py" "$RBC" "$shim" "$top_srcdir" "$@"
