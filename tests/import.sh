#!/bin/sh
# tests/import.sh: where `import` finds a library, the same way in check,
# compile and run (cli_lib_dirs in cli/cli.c):
#   next to the importing file, then RBC_LIB_PATH, then - for an rbc run from
#   its build tree - the source tree's stdlib/lib, then the installed stdlib
#   ($RBC_STDLIB_DIR, compiled in).
# Also: a missing import is RB2017 (check exit 1, run/compile exit 65), a copy
# of rbc outside the build tree does not read the source tree, and
# `make install` puts stdlib/lib/*.rb into the stdlib directory.
# (tests/run/import_*.rb cover the run-time behaviour of imported fns.)
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

runs=$top_srcdir/tests/run
stdlib_dir=${RBC_STDLIB_DIR:-}
unset RBC_LIB_PATH

# with_path DIRS CMD...: run CMD (a function too) with RBC_LIB_PATH=DIRS.
with_path() {
  (RBC_LIB_PATH=$1; export RBC_LIB_PATH; shift; "$@")
}

# out_has FILE TEXT: fail unless FILE contains TEXT.
out_has() {
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "output lacks '$2'"; }
}

# {==== a missing import ====
set +e
rbc check "$runs/import_missing.rb" >"$TMPD/out" 2>&1
st=$?
set -e
[ "$st" -eq 1 ] || { cat "$TMPD/out" >&2; fail "check of a missing import exited $st, not 1"; }
out_has "$TMPD/out" "RB2017"
out_has "$TMPD/out" "no-such-library.rb"
expect_exit 65 rbc compile "$runs/import_missing.rb" -o "$TMPD/x.rbx" 2>"$TMPD/out"
out_has "$TMPD/out" "RB2017"
[ ! -e "$TMPD/x.rbx" ] || fail "compile wrote bytecode for a runbook with a missing import"
expect_exit 65 rbc run --clock=virtual "$runs/import_missing.rb" >/dev/null 2>"$TMPD/out"
out_has "$TMPD/out" "RB2017"
# }====

# {==== the build tree's rbc finds the stdlib in the source tree ====
expect_exit 0 rbc check "$runs/import_stdlib.rb"
expect_exit 0 rbc compile "$runs/import_stdlib.rb" -o "$TMPD/stdlib.rbx"
rbc disasm "$TMPD/stdlib.rbx" >"$TMPD/out"
out_has "$TMPD/out" "fn bump_counter"
# }====

# {==== RBC_LIB_PATH comes before the stdlib, in check, compile and run ====
mkdir -p "$TMPD/shadow" "$TMPD/rb"
cat >"$TMPD/shadow/ops.rb" <<'EOF'
fn shadowed() {
  return "from RBC_LIB_PATH"
}
EOF
cat >"$TMPD/rb/uses.rb" <<'EOF'
import "ops.rb"
runbook "uses" {
  owner "team-test"
  rto   1m
  phase "p" {
    step "which" {
      log shadowed()
    }
  }
}
EOF
lp=$TMPD/nowhere:$TMPD/shadow
with_path "$lp" expect_exit 0 rbc check "$TMPD/rb/uses.rb"
with_path "$lp" expect_exit 0 rbc compile "$TMPD/rb/uses.rb" -o "$TMPD/uses.rbx"
with_path "$lp" rbc run --clock=virtual "$TMPD/rb/uses.rb" >"$TMPD/out" 2>&1 ||
  { cat "$TMPD/out" >&2; fail "run with RBC_LIB_PATH failed"; }
out_has "$TMPD/out" "log from RBC_LIB_PATH"
# without it, the stdlib's ops.rb has no shadowed(): RB2001, not a silent fallback
expect_exit 1 rbc check "$TMPD/rb/uses.rb" >"$TMPD/out" 2>&1
out_has "$TMPD/out" "shadowed"
# a library next to the runbook wins over both
cp "$TMPD/shadow/ops.rb" "$TMPD/rb/ops.rb"
expect_exit 0 rbc check "$TMPD/rb/uses.rb"
rm "$TMPD/rb/ops.rb"
# }====

# {==== a copy outside the build tree reads only RBC_LIB_PATH and the installed dir ====
cp "$RBC" "$TMPD/rbc-copy"
if [ -n "$stdlib_dir" ] && [ -f "$stdlib_dir/ops.rb" ]; then
  echo "note: $stdlib_dir/ops.rb is installed; the copy would find it: check skipped"
else
  set +e
  # shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
  $RBC_WRAPPER "$TMPD/rbc-copy" check "$runs/import_stdlib.rb" >"$TMPD/out" 2>&1
  st=$?
  set -e
  [ "$st" -eq 1 ] || { cat "$TMPD/out" >&2; fail "a copy of rbc found the source stdlib"; }
  out_has "$TMPD/out" "cannot find library \`ops.rb\`"
fi
# shellcheck disable=SC2086
with_path "$top_srcdir/stdlib/lib" expect_exit 0 \
  $RBC_WRAPPER "$TMPD/rbc-copy" check "$runs/import_stdlib.rb"
# }====

# {==== make install ====
if [ -n "$stdlib_dir" ] && [ -f "$top_builddir/Makefile" ]; then
  # a make of its own, not part of the one running `make check`
  (unset MAKEFLAGS MFLAGS MAKELEVEL
   make -s -C "$top_builddir" install DESTDIR="$TMPD/inst" >"$TMPD/install.out" 2>&1) ||
    { cat "$TMPD/install.out" >&2; fail "make install DESTDIR=... failed"; }
  for f in "$top_srcdir"/stdlib/lib/*.rb; do
    cmp "$f" "$TMPD/inst$stdlib_dir/$(basename "$f")" ||
      fail "make install did not install $(basename "$f") into $stdlib_dir"
  done
  inst_rbc=$(find "$TMPD/inst" -type f -path "*/bin/rbc" | head -n 1)
  [ -n "$inst_rbc" ] || fail "make install installed no rbc"
  grep -qaF "$stdlib_dir" "$inst_rbc" || fail "the installed rbc does not name $stdlib_dir"
  # shellcheck disable=SC2086
  with_path "$TMPD/inst$stdlib_dir" expect_exit 0 \
    $RBC_WRAPPER "$inst_rbc" check "$runs/import_stdlib.rb"
else
  echo "note: RBC_STDLIB_DIR unknown or no build tree Makefile: install check skipped"
fi
# }====

echo "ok: import resolution"
