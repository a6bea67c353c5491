# shellcheck shell=sh
# tests/setup.sh: sourced by every shell test driver in tests/ (jq's tests/setup).
#
#   . "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
#
# `make check` exports top_srcdir, top_builddir, RBC (the built binary),
# RBC_STDLIB_DIR (the stdlib directory compiled into it) and RBC_WRAPPER: empty, or with --enable-valgrind the valgrind command line to
# put before "$RBC" (a memory error then exits 99).  Python drivers run
# shlex.split($RBC_WRAPPER) + [$RBC, ...].
# Run by hand, a driver finds the source tree from its own path and the
# binary in $top_srcdir/build (override with RBC=... or top_builddir=...).
#
# After sourcing, a driver has:
#   $top_srcdir $top_builddir   absolute paths
#   $RBC                        the binary;  run it through `rbc ARGS` (below)
#   $TMPD                       a fresh temporary directory, removed at exit
#   $RBC_WRAPPER                empty, or the valgrind command line
#   rbc ARGS...                 runs $RBC_WRAPPER "$RBC" ARGS...
#   expect_exit CODE CMD...     runs CMD, fails the test unless it exits CODE
#   fail MSG / skip MSG         exit 1 / exit 77 (automake's "skipped")
# Exit statuses follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.

set -eu

LC_ALL=C
LANG=C
export LC_ALL LANG
# Machine-stable output: no colour, no progress, no user configuration.
NO_COLOR=1
TERM=dumb
export NO_COLOR TERM
unset CLICOLOR_FORCE RBC_OPTS RBC_CONFIG RBC_COLOR RBC_FORMAT RBC_LOG 2>/dev/null || true
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

if [ -z "${top_srcdir:-}" ]; then
  top_srcdir=$(cd "$(dirname "$0")" && while [ ! -f configure.ac ] && [ "$PWD" != / ]; do
    cd ..; done; pwd)
fi
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "${top_builddir:-$top_srcdir/build}" 2>/dev/null && pwd || echo "")
RBC=${RBC:-$top_builddir/rbc}
RBC_WRAPPER=${RBC_WRAPPER:-}
export top_srcdir top_builddir RBC RBC_WRAPPER

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

skip() {
  echo "SKIP: $*" >&2
  exit 77
}

if [ ! -x "$RBC" ]; then
  echo "error: rbc binary not found at '$RBC' (build first, or set RBC=...)" >&2
  exit 99
fi

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/rbc-test.XXXXXX")
export TMPD
# Run journals and locks (docs/journal.md) go to this driver's own state
# directory: never the user's, and no lock shared between drivers.
RBC_STATE_DIR=$TMPD/state
export RBC_STATE_DIR
trap 'rm -rf "$TMPD"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# rbc ARGS...: run the binary under test, through the valgrind wrapper if any.
rbc() {
  # shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
  $RBC_WRAPPER "$RBC" "$@"
}

# expect_exit CODE CMD...: run CMD (e.g. `rbc check x.rb`); fail unless it exits CODE.
expect_exit() {
  want=$1
  shift
  set +e
  "$@"
  got=$?
  set -e
  if [ "$got" -ne "$want" ]; then
    fail "'$*' exited $got, expected $want"
  fi
}
