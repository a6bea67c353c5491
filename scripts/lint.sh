#!/bin/sh
# scripts/lint.sh [cppcheck|clang-tidy]...: static analysis of rbc's C sources
# (docs/security.md, "Static analysis").  Not part of `make check` (the
# tools are slow and their findings need a human); run it before a release.
#
#   cppcheck     cppcheck --enable=warning,portability,performance over lexer/
#                parser/ vm/ stdlib/ cli/ (generated parser.c/lexer.c excluded;
#                tests/lint/cppcheck.supp holds the reviewed false positives).
#   clang-tidy   clang-tidy with bugprone-*, cert-*, clang-analyzer-*,
#                security checks (tests/lint/clang-tidy.conf) over the same
#                files, compiled as configure does (needs a configured build
#                dir: LINT_BUILD_DIR, default build/).
#
# Exits 1 when a tool reports anything not suppressed; 77 when a tool is
# missing (apt-get install cppcheck clang-tidy).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools=${*:-cppcheck clang-tidy}
bdir=${LINT_BUILD_DIR:-$top/build}
status=0
srcs=$(find lexer parser vm stdlib cli -name '*.c' | sort)

for t in $tools; do
  case $t in
    cppcheck)
      command -v cppcheck >/dev/null 2>&1 || { echo "lint.sh: cppcheck not found" >&2; exit 77; }
      echo "== cppcheck"
      # shellcheck disable=SC2086  # srcs is a list of paths without spaces
      if ! cppcheck --quiet --error-exitcode=1 --std=c11 --language=c \
           --enable=warning,portability,performance --inline-suppr \
           --suppressions-list="$top/tests/lint/cppcheck.supp" \
           -I . -I "$bdir" -D__GNUC__ -DRBC_VERSION='"lint"' \
           -j "$(nproc 2>/dev/null || echo 2)" $srcs; then
        status=1
      fi
      ;;
    clang-tidy)
      command -v clang-tidy >/dev/null 2>&1 || { echo "lint.sh: clang-tidy not found" >&2; exit 77; }
      [ -f "$bdir/parser/parser.h" ] || { echo "lint.sh: configure and build $bdir first" >&2; exit 1; }
      echo "== clang-tidy"
      flags="-std=c11 -I. -I$bdir -DRBC_VERSION=\"lint\" -DRBC_STDLIB_DIR=\"/x\""
      flags="$flags -DRBC_BUILD_DIR=\"/x\" -DRBC_SOURCE_STDLIB_DIR=\"/x\" -DRBC_DIAG_DIR=\"/x\""
      flags="$flags -DRBC_SOURCE_DIAG_DIR=\"/x\" -DRBC_AWS_MODELS_DIR=\"/x\""
      flags="$flags -DRBC_SOURCE_AWS_MODELS_DIR=\"/x\" $(pkg-config --cflags jansson libcurl 2>/dev/null || true)"
      out=$(mktemp)
      for f in $srcs; do
        # shellcheck disable=SC2086
        clang-tidy --quiet --config-file="$top/tests/lint/clang-tidy.conf" "$f" -- $flags \
          2>/dev/null | grep -E '^[^ ].*: (warning|error):' >>"$out" || true
      done
      if [ -s "$out" ]; then
        sort -u "$out"
        echo "clang-tidy: $(sort -u "$out" | wc -l) finding(s)"
        status=1
      fi
      rm -f "$out"
      ;;
    *) echo "lint.sh: unknown tool $t" >&2; exit 64 ;;
  esac
done
exit $status
