#!/bin/sh
# scripts/test.sh: build rbc (scripts/setup.sh) and run the whole test suite.
#
# usage: scripts/test.sh [--asan | --valgrind] [-- CONFIGURE-ARGS...]
#
#   (default)     `make check` in build/
#   --asan        `make check` in build-asan/ (AddressSanitizer + UBSan)
#   --valgrind    `make check` in build-valgrind/ (every test under valgrind)
#
# Prints the automake summary (and the log of every failed test); exits 0
# when every test passed, 1 otherwise.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
variant=
builddir=$top/build
case ${1:-} in
  --asan) variant=--asan; builddir=$top/build-asan; shift ;;
  --valgrind) variant=--valgrind; builddir=$top/build-valgrind; shift ;;
  -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac

# shellcheck disable=SC2086  # $variant is empty or one word
"$top/scripts/setup.sh" $variant "$@"

jobs=$(nproc 2>/dev/null || echo 2)
echo "test: make check in $builddir"
status=0
rm -f "$builddir/test-suite.log"
make -C "$builddir" -j"$jobs" --no-print-directory check >"$builddir/check.out" 2>&1 || status=$?

log=$builddir/test-suite.log
if [ -f "$log" ]; then
  # The end of the log of every test that did not pass.
  if [ "$status" -ne 0 ]; then
    find "$builddir" -name '*.trs' -newer "$builddir/Makefile" | sort | while read -r trs; do
      if grep -Eq '^:global-test-result: (FAIL|ERROR|XPASS)' "$trs"; then
        echo "----- ${trs%.trs}.log (last 25 lines)"
        tail -n 25 "${trs%.trs}.log"
      fi
    done
    echo "-----"
  fi
  grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|XFAIL):' "$builddir/check.out" | grep -v '^PASS' || true
  sed -n '/^# TOTAL:/,/^# ERROR:/p' "$log"
else
  tail -40 "$builddir/check.out"
fi
if [ "$status" -ne 0 ]; then
  echo "test: FAILED in $builddir (full output: $builddir/check.out)"
  exit 1
fi
echo "test: all tests passed in $builddir"
