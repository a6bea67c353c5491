#!/bin/sh
# tests/fuzz_replay.sh: every fuzz corpus replayed through its harness in
# this build (plain, ASan+UBSan, or under valgrind with --enable-valgrind).
# tests/fuzz/corpus/<harness>/ holds the seeds, the inputs of past findings
# and the campaign corpus (merged to the inputs that add coverage); each
# harness is linked with tests/fuzz/replay.c instead of libFuzzer as
# tests/fuzz/replay_<name>, so an input that once crashed, leaked or broke a
# harness's property fails `make check` on any compiler, not only in
# scripts/fuzz.sh's clang build.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

# As scripts/fuzz.sh: a huge allocation an input asks for is refused (NULL),
# which the readers must handle, rather than reported by ASan.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:allocator_may_return_null=1"
export ASAN_OPTIONS
# The harnesses write their temporary files below TMPDIR.
TMPDIR=$TMPD
export TMPDIR

n=0
for dir in "$top_srcdir"/tests/fuzz/corpus/fuzz_*; do
  name=$(basename "$dir")
  prog=$top_builddir/tests/fuzz/replay_${name#fuzz_}
  [ -x "$prog" ] || fail "$prog is not built (make check builds it)"
  # shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
  if ! $RBC_WRAPPER "$prog" "$dir" >"$TMPD/out" 2>"$TMPD/err"; then
    cat "$TMPD/out" "$TMPD/err" >&2
    fail "$name: replaying tests/fuzz/corpus/$name failed"
  fi
  [ ! -s "$TMPD/err" ] || { cat "$TMPD/err" >&2; fail "$name: the replay wrote to stderr"; }
  cat "$TMPD/out"
  files=$(find "$dir" -type f | wc -l)
  grep -qx "replay_${name#fuzz_}: $files inputs" "$TMPD/out" ||
    fail "$name: expected $files inputs to run"
  n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n corpora found"
echo "ok: $n corpora replayed"
