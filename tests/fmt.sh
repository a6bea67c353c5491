#!/bin/sh
# tests/fmt.sh: `rbc fmt` (docs/fmt.md).
#   1. Every .rb file of the repository that parses: formatting is idempotent,
#      the tree is unchanged (`rbc dump-ast --no-spans` before and after) and
#      every comment is kept, in order (tests/fmt_comments.py reads them
#      independently of rbc's lexer).
#   2. Golden layouts: tests/fmt/NAME.rb formats to tests/fmt/NAME.out.
#   3. The command: in place, --check, --diff (applied with patch), stdin,
#      directories, syntax errors (file untouched, exit 65), usage errors.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

cd "$top_srcdir"
status=0

# {==== 1. every .rb file ====
n=0
skipped=0
pairs=
# under valgrind (RBC_WRAPPER set) every 8th file: the same kinds, in time
every=1
[ -z "$RBC_WRAPPER" ] || every=8
k=0
for live in $(find . -name '*.rb' -not -path './build*' -not -path './.git/*' | sort); do
  k=$((k + 1))
  [ $((k % every)) -eq 0 ] || continue
  # a snapshot: the tree is shared with people editing it while this runs
  d=$TMPD/fmtd/$n
  mkdir -p "$d"
  f=$d/orig.rb
  echo "$live" >"$d/name"
  cp "$live" "$f"
  if ! rbc dump-ast --no-spans "$f" >"$TMPD/ast0" 2>/dev/null; then
    skipped=$((skipped + 1))        # syntax errors on purpose (tests/diag, tests/lang/syntax)
    continue
  fi
  n=$((n + 1))
  if ! rbc fmt - <"$f" >"$TMPD/one.rb" 2>"$TMPD/err"; then
    echo "FAIL $live: rbc fmt failed"; cat "$TMPD/err"; status=1; continue
  fi
  rbc fmt - <"$TMPD/one.rb" >"$TMPD/two.rb" 2>"$TMPD/err" || true
  if ! cmp -s "$TMPD/one.rb" "$TMPD/two.rb"; then
    echo "FAIL $live: not idempotent"; diff "$TMPD/one.rb" "$TMPD/two.rb" | head -20
    status=1
  fi
  # the tree of the formatted text (dump-ast does not follow imports)
  cp "$TMPD/one.rb" "$TMPD/ast.rb"
  if ! rbc dump-ast --no-spans "$TMPD/ast.rb" >"$TMPD/ast1" 2>&1 || ! cmp -s "$TMPD/ast0" "$TMPD/ast1"; then
    echo "FAIL $live: the tree changed"; diff "$TMPD/ast0" "$TMPD/ast1" | head -20
    status=1
  fi
  cp "$TMPD/one.rb" "$d/f.rb"
  pairs="$pairs $f $d/f.rb"
done
# shellcheck disable=SC2086  # pairs is a list of paths without blanks
python3 "$top_srcdir/tests/fmt_comments.py" --compare $pairs || status=1
[ "$n" -ge $((150 / every)) ] || { echo "FAIL only $n files formatted"; status=1; }
echo "ok   $n files idempotent, same tree, same comments ($skipped with syntax errors skipped)"
# }====

# {==== 2. golden layouts ====
for f in tests/fmt/*.rb; do
  want=${f%.rb}.out
  rbc fmt - <"$f" >"$TMPD/got" 2>&1 || true
  if cmp -s "$want" "$TMPD/got"; then
    echo "ok   $f"
  else
    echo "FAIL $f: differs from $want"; diff "$want" "$TMPD/got" | head -30; status=1
  fi
  expect_exit 0 rbc fmt --check "$want" >/dev/null
done
# }====

# {==== 3. the command ====
# a golden input: unformatted by construction, with comments
src=tests/fmt/comments.rb
cp "$src" "$TMPD/pa.rb"
rbc fmt - <"$src" >"$TMPD/pa.want"
cmp -s "$src" "$TMPD/pa.want" && fail "$src is already formatted: section 3 needs an unformatted file"
{
  # --check lists the file and exits 1, writing nothing
  set +e; rbc fmt --check "$TMPD/pa.rb" >"$TMPD/out"; st=$?; set -e
  [ "$st" -eq 1 ] || fail "--check on an unformatted file exited $st, not 1"
  [ "$(cat "$TMPD/out")" = "$TMPD/pa.rb" ] || fail "--check did not list the file: $(cat "$TMPD/out")"
  cmp -s "$src" "$TMPD/pa.rb" || fail "--check wrote the file"
  # --diff prints a unified diff that patch applies to give the formatted text
  set +e; rbc fmt --diff "$TMPD/pa.rb" >"$TMPD/pa.diff"; st=$?; set -e
  [ "$st" -eq 1 ] || fail "--diff exited $st, not 1"
  head -1 "$TMPD/pa.diff" | grep -q "^--- $TMPD/pa.rb" || fail "--diff header: $(head -1 "$TMPD/pa.diff")"
  cmp -s "$src" "$TMPD/pa.rb" || fail "--diff wrote the file"
  if command -v patch >/dev/null 2>&1; then
    cp "$src" "$TMPD/patched.rb"
    patch -s "$TMPD/patched.rb" <"$TMPD/pa.diff" || fail "patch rejected the --diff output"
    cmp -s "$TMPD/patched.rb" "$TMPD/pa.want" || fail "--diff applied differs from fmt"
  fi
  # in place
  chmod 640 "$TMPD/pa.rb"
  expect_exit 0 rbc fmt "$TMPD/pa.rb"
  cmp -s "$TMPD/pa.rb" "$TMPD/pa.want" || fail "in-place result differs from stdin result"
  [ "$(stat -c %a "$TMPD/pa.rb")" = 640 ] || fail "in place lost the file mode"
}
expect_exit 0 rbc fmt --check "$TMPD/pa.want"
expect_exit 0 rbc fmt --diff "$TMPD/pa.want" >"$TMPD/out"
[ ! -s "$TMPD/out" ] || fail "--diff printed something for a formatted file"
echo "ok   --check, --diff, in place"

# a directory: every .rb file under it, hidden ones skipped
mkdir -p "$TMPD/dir/sub" "$TMPD/dir/.hidden"
printf 'runbook "a" {\ntitle   "x"\n}\n' >"$TMPD/dir/a.rb"
printf 'fn f( x ) {\nreturn x\n}\n' >"$TMPD/dir/sub/b.rb"
printf 'fn g( ) {\n}\n' >"$TMPD/dir/.hidden/c.rb"
printf 'not rbc\n' >"$TMPD/dir/notes.txt"
set +e; rbc fmt --check "$TMPD/dir" >"$TMPD/out"; st=$?; set -e
[ "$st" -eq 1 ] || fail "--check DIR exited $st"
printf '%s\n%s\n' "$TMPD/dir/a.rb" "$TMPD/dir/sub/b.rb" | cmp -s - "$TMPD/out" || {
  cat "$TMPD/out"; fail "--check DIR listed the wrong files"; }
expect_exit 0 rbc fmt "$TMPD/dir"
printf 'runbook "a" {\n  title "x"\n}\n' | cmp -s - "$TMPD/dir/a.rb" || fail "DIR: a.rb not formatted"
printf 'fn f(x) {\n  return x\n}\n' | cmp -s - "$TMPD/dir/sub/b.rb" || fail "DIR: sub/b.rb not formatted"
printf 'fn g( ) {\n}\n' | cmp -s - "$TMPD/dir/.hidden/c.rb" || fail "DIR: a hidden file was formatted"
# the config's [paths] exclude patterns are skipped; a bad config is exit 78
mkdir -p "$TMPD/cfg/archive" "$TMPD/cfg/live"
printf 'fn a( ) {\n}\n' >"$TMPD/cfg/archive/a.rb"
printf 'fn b( ) {\n}\n' >"$TMPD/cfg/live/b.rb"
printf '[paths]\nexclude = archive/**\n' >"$TMPD/cfg/.rbc.conf"
set +e; rbc fmt --check "$TMPD/cfg" >"$TMPD/out"; st=$?; set -e
[ "$st" -eq 1 ] && [ "$(cat "$TMPD/out")" = "$TMPD/cfg/live/b.rb" ] || {
  cat "$TMPD/out"; fail "[paths] exclude not honoured ($st)"; }
set +e; rbc fmt --check --no-config "$TMPD/cfg" >"$TMPD/out"; set -e
[ "$(wc -l <"$TMPD/out")" -eq 2 ] || fail "--no-config still excluded files"
printf '[paths]\nexclud = x\n' >"$TMPD/bad.conf"
expect_exit 78 rbc fmt --check --config "$TMPD/bad.conf" "$TMPD/cfg" 2>"$TMPD/err"
grep -q RB9002 "$TMPD/err" || fail "a bad config was not reported"
echo "ok   directories"

# syntax errors: untouched, exit 65, the errors on stderr, nothing on stdout
printf 'runbook "x" {\n  phase "p" {\n    step "s" {\n      let a = 1 let b = 2\n    }\n  }\n}\n' >"$TMPD/bad.rb"
cp "$TMPD/bad.rb" "$TMPD/bad.orig"
expect_exit 65 rbc fmt "$TMPD/bad.rb" 2>"$TMPD/err" >"$TMPD/out"
cmp -s "$TMPD/bad.rb" "$TMPD/bad.orig" || fail "a file with syntax errors was changed"
grep -q 'RB1001' "$TMPD/err" || fail "the syntax error was not shown"
[ ! -s "$TMPD/out" ] || fail "stdout not empty for a syntax error"
expect_exit 65 rbc fmt - <"$TMPD/bad.rb" >"$TMPD/out" 2>/dev/null
[ ! -s "$TMPD/out" ] || fail "stdin with a syntax error printed a result"
# several inputs: the worst status wins, the good file is still formatted
printf 'fn h( ) {\n}\n' >"$TMPD/good.rb"
expect_exit 65 rbc fmt "$TMPD/bad.rb" "$TMPD/good.rb" 2>/dev/null
printf 'fn h() {}\n' | cmp -s - "$TMPD/good.rb" || fail "the good file was not formatted"
echo "ok   syntax errors"

# usage and input errors
expect_exit 64 rbc fmt 2>/dev/null
expect_exit 64 rbc fmt --chek x.rb 2>"$TMPD/err"
grep -q "did you mean '--check'" "$TMPD/err" || fail "no suggestion for --chek"
expect_exit 66 rbc fmt "$TMPD/missing.rb" 2>/dev/null
mkdir -p "$TMPD/empty"
expect_exit 66 rbc fmt "$TMPD/empty" 2>/dev/null
expect_exit 0 rbc fmt --help >/dev/null
printf 'fn f( ) {\n}\n' >"$TMPD/in.rb"
set +e; rbc fmt --check --stdin-filename named.rb - <"$TMPD/in.rb" >"$TMPD/out"; st=$?; set -e
[ "$st" -eq 1 ] && [ "$(cat "$TMPD/out")" = named.rb ] || fail "--stdin-filename: $st $(cat "$TMPD/out")"
# an empty file and a comment-only file
: >"$TMPD/e.rb"
expect_exit 0 rbc fmt --check "$TMPD/e.rb"
printf '# just a comment\n' >"$TMPD/c.rb"
expect_exit 0 rbc fmt --check "$TMPD/c.rb"
echo "ok   usage"
# }====

exit $status
