#!/bin/sh
# scripts/fuzz.sh [SECONDS [HARNESS...]]: build rbc's libFuzzer harnesses with
# clang (-fsanitize=fuzzer,address,undefined) and run each one (or the ones
# named, e.g. fuzz_json) for SECONDS (default 60).
#
# The harnesses are tests/fuzz/fuzz_*.c (FUZZ_HARNESSES in Makefile.am).  They
# are built in $FUZZ_BUILD_DIR (default build-fuzz/ in the source tree) by
# `configure CC=clang --enable-fuzz --enable-asan --enable-ubsan`, so the library
# is compiled with the same instrumentation, at -O1 (2.5 times the executions
# per second of -O0, as OSS-Fuzz builds) with the RBC_DEBUG checks of
# --enable-debug on.  Each harness starts from its seed
# corpus tests/fuzz/corpus/<harness>/ and its dictionary tests/fuzz/<harness>.dict
# (tests/fuzz/rbc.dict, the language's words, when it has none);
# new inputs go to $FUZZ_BUILD_DIR/corpus/<harness>/ (the seeds stay as they
# are).  A crash, leak or timeout is written to tests/fuzz/crashes/<harness>-*
# and makes the script exit 1.
#
# Environment: FUZZ_BUILD_DIR, FUZZ_JOBS (parallel fuzzing processes per
# harness, default 1), FUZZ_ARGS (extra libFuzzer flags; a campaign of N
# executions each: FUZZ_ARGS=-runs=N scripts/fuzz.sh 86400).
# docs/security.md lists the harnesses and the campaign figures.
set -eu

secs=${1:-60}
[ $# -eq 0 ] || shift
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${FUZZ_BUILD_DIR:-$top/build-fuzz}
jobs=${FUZZ_JOBS:-1}
crashes=$top/tests/fuzz/crashes

command -v clang >/dev/null 2>&1 || { echo "fuzz.sh: clang not found" >&2; exit 77; }

if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ] \
   || [ "$top/Makefile.am" -nt "$top/Makefile.in" ]; then
  (cd "$top" && autoreconf -fi)
fi
mkdir -p "$bdir" "$crashes"
cd "$bdir"
# A build directory configured otherwise (an older -O0 one) is configured again
# and its objects removed, since new flags alone do not make them stale.
if [ ! -f Makefile ] || ! grep -q '^CPPFLAGS = -DRBC_DEBUG=1$' Makefile; then
  [ ! -f Makefile ] || make clean >/dev/null 2>&1 || true
  "$top/configure" CC=clang --enable-fuzz --enable-asan --enable-ubsan \
    CFLAGS="-O1 -g" CPPFLAGS="-DRBC_DEBUG=1" \
    >configure.out 2>&1 || { tail -30 configure.out >&2; exit 1; }
fi
make -j"$(nproc 2>/dev/null || echo 2)" fuzz >make.out 2>&1 || { tail -40 make.out >&2; exit 1; }

harnesses=$(sed -n '/^FUZZ_HARNESSES =/,/^$/p' "$top/Makefile.am" \
  | grep -o 'tests/fuzz/fuzz_[a-z0-9_]*' || true)
[ -n "$harnesses" ] || { echo "fuzz.sh: no harness in Makefile.am" >&2; exit 1; }
if [ $# -gt 0 ]; then
  wanted=
  for w in "$@"; do
    echo "$harnesses" | grep -qx "tests/fuzz/$w" || { echo "fuzz.sh: no harness $w" >&2; exit 64; }
    wanted="$wanted tests/fuzz/$w"
  done
  harnesses=$wanted
fi

status=0
for h in $harnesses; do
  name=$(basename "$h")
  mkdir -p "corpus/$name"
  seeds=$top/tests/fuzz/corpus/$name
  [ -d "$seeds" ] || seeds=
  dict=$top/tests/fuzz/$name.dict
  [ -f "$dict" ] || dict=$top/tests/fuzz/rbc.dict
  par=
  [ "$jobs" -le 1 ] || par="-jobs=$jobs -workers=$jobs"
  echo "== $name: ${secs}s"
  # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: a memory blow-up.
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags, split on purpose
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "./$h" -max_total_time="$secs" -dict="$dict" \
       -artifact_prefix="$crashes/$name-" -timeout=10 -rss_limit_mb=2048 \
       -max_len=16384 -print_final_stats=1 $par ${FUZZ_ARGS:-} "corpus/$name" $seeds >"$name.log" 2>&1; then
    status=1
    echo "$name: FAILED (see $bdir/$name.log and $crashes/)" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$name.log" | head -20 >&2 || true
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)|^#[0-9]+ *DONE' \
    "$name.log" || tail -3 "$name.log"
done
exit $status
