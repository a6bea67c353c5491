#!/bin/sh
# tests/misspell.sh: every use of every name in runbooks/payments-api.rb,
# misspelled in turn, must give the right code at the right place with a
# "did you mean" naming the original (tests/misspell.py).
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
exec python3 "$top_srcdir/tests/misspell.py" "$RBC" "$top_srcdir"
