#!/bin/sh
# scripts/checksrc.sh: `make check` runs the style checker (scripts/checksrc.py)
# over every C file of the source tree, as one test.
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
exec "${PYTHON3:-python3}" "$top_srcdir/scripts/checksrc.py" "$top_srcdir"
