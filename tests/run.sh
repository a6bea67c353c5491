#!/bin/sh
# tests/run.sh: the `rbc run` tests (tests/run/*.rb with expected outputs
# <case>.out on the virtual clock, plus process-level checks), driven by
# tests/run-run-tests.py.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
exec python3 "$top_srcdir/tests/run-run-tests.py" "$RBC" "$top_srcdir/tests/run"
