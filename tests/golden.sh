#!/bin/sh
# tests/golden.sh: rendered diagnostics (tests/diag) and disassembly listings
# (tests/disasm) against their golden files (tests/run-golden.py).
# Regenerate after an intended change with:
#   python3 tests/run-golden.py build/rbc tests --update   (then inspect the diff)
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
exec python3 "$top_srcdir/tests/run-golden.py" "$RBC" "$top_srcdir/tests"
