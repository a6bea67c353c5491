#!/bin/sh
# tests/editor.sh: shell and editor integration.
#   - `rbc completion bash|zsh|fish` scripts are valid (bash -n; zsh -n and
#     fish -n when installed); bash and fish complete commands, per-command
#     options, values, rule names and .rb files;
#   - editor/textmate/rbc.tmLanguage.json parses, its regexes compile (Python's
#     re, close enough for these) and match what they name;
#   - editor/vim: with vim installed, the ftdetect script tells an rbc .rb file
#     from a Ruby one and the syntax file loads without errors.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

cd "$top_srcdir"

# {==== completion ====
rbc completion bash >"$TMPD/rbc.bash"
bash -n "$TMPD/rbc.bash" || fail "the bash completion script has syntax errors"
rbc completion zsh >"$TMPD/_rbc"
if command -v zsh >/dev/null 2>&1; then
  zsh -n "$TMPD/_rbc" || fail "the zsh completion script has syntax errors"
  echo "ok   zsh -n"
else
  echo "skip zsh -n (zsh not installed)"
fi
head -1 "$TMPD/_rbc" | grep -q '^#compdef rbc' || fail "_rbc lacks #compdef"
rbc completion fish >"$TMPD/rbc.fish"
if command -v fish >/dev/null 2>&1; then
  fish -n "$TMPD/rbc.fish" || fail "the fish completion script has syntax errors"
  fish_done=1
else
  echo "skip fish (not installed)"
  fish_done=0
fi
expect_exit 64 rbc completion tcsh 2>/dev/null
expect_exit 64 rbc completion 2>/dev/null
expect_exit 0 rbc completion --help >/dev/null

mkdir -p "$TMPD/bin"
if [ -n "$RBC_WRAPPER" ]; then
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$RBC_WRAPPER" "$RBC" >"$TMPD/bin/rbc"
  chmod +x "$TMPD/bin/rbc"
else
  ln -s "$RBC" "$TMPD/bin/rbc"
fi
# complete WORDS...: what bash offers for the last word
complete_words() {
  PATH="$TMPD/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@");
    COMP_CWORD=$(($# - 1)); _rbc; printf "%s\n" "${COMPREPLY[@]}"' x "$TMPD/rbc.bash" "$@"
}
complete_words rbc f >"$TMPD/c1"
grep -qx fmt "$TMPD/c1" || { cat "$TMPD/c1"; fail "bash: 'rbc f' does not offer fmt"; }
complete_words rbc fmt --ch >"$TMPD/c2"
grep -qx -- --check "$TMPD/c2" || { cat "$TMPD/c2"; fail "bash: 'rbc fmt --ch' does not offer --check"; }
complete_words rbc doc --o >"$TMPD/c3"
grep -qx -- --output "$TMPD/c3" || { cat "$TMPD/c3"; fail "bash: 'rbc doc --o' does not offer --output"; }
complete_words rbc --color a >"$TMPD/c4"
grep -qx -- auto "$TMPD/c4" || { cat "$TMPD/c4"; fail "bash: --color values"; }
complete_words rbc check --disable RB300 >"$TMPD/c7"
grep -qx -- RB3001 "$TMPD/c7" || { cat "$TMPD/c7"; fail "bash: rule codes for --disable"; }
complete_words rbc explain secret-in >"$TMPD/c8"
grep -qx -- secret-in-shell "$TMPD/c8" || { cat "$TMPD/c8"; fail "bash: rule names for explain"; }
complete_words rbc completion z >"$TMPD/c5"
grep -qx -- zsh "$TMPD/c5" || fail "bash: completion shells"
(cd runbooks && PATH="$TMPD/bin:$PATH" bash -c '. "$1"; COMP_WORDS=(rbc check pay);
  COMP_CWORD=2; _rbc; printf "%s\n" "${COMPREPLY[@]}"' x "$TMPD/rbc.bash") >"$TMPD/c6"
grep -qx payments-api.rb "$TMPD/c6" || { cat "$TMPD/c6"; fail "bash: .rb files"; }
if [ "$fish_done" = 1 ]; then
  # fish_complete WORDS: what fish offers for the command line "WORDS"
  fish_complete() {
    PATH="$TMPD/bin:$PATH" fish -c "source '$TMPD/rbc.fish'; complete -C '$1'" | cut -f1
  }
  fish_complete 'rbc f' | grep -qx fmt || fail "fish: 'rbc f' does not offer fmt"
  fish_complete 'rbc fmt --ch' | grep -qx -- --check || fail "fish: fmt options"
  fish_complete 'rbc explain secret-in' | grep -qx secret-in-shell || fail "fish: rule names"
  (cd runbooks && fish_complete 'rbc check pay') | grep -qx payments-api.rb || fail "fish: .rb files"
  echo "ok   fish"
fi
echo "ok   completion"
# }====

# {==== TextMate grammar ====
python3 - editor/textmate/rbc.tmLanguage.json <<'PY' || fail "TextMate grammar"
import json, re, sys
g = json.load(open(sys.argv[1]))
assert g["scopeName"] == "source.rbc" and g["patterns"], "scopeName/patterns"
found = []
def walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("match", "begin", "end", "firstLineMatch") and isinstance(v, str):
                found.append(re.compile(v))
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(g)
assert len(found) > 20, "too few regexes"
first = re.compile(g["firstLineMatch"])
assert first.search('runbook "payments-api" {') and not first.search("class Foo")
nums = g["repository"]["number"]["patterns"]
assert re.fullmatch(nums[0]["match"], "1h30m") and re.fullmatch(nums[1]["match"], "0.1%")
assert re.search(g["repository"]["comment"]["patterns"][0]["match"],
                 "# rbc: ignore[RB3007] -- reason")
print("ok   TextMate grammar: %d regexes compile" % len(found))
PY
# }====

# {==== vim ====
if ! command -v vim >/dev/null 2>&1; then
  echo "skip vim (not installed)"
  exit 0
fi
printf 'class Foo\n  def bar\n  end\nend\n' >"$TMPD/ruby.rb"
printf '# a comment first\n\nfn double(x) {\n  return x * 2\n}\n' >"$TMPD/lib.rb"
vim_probe() {
  vim -u NONE -N -es -c 'set rtp^=editor/vim' -c 'filetype on' -c 'syntax on' \
    -c "e $1" -c "call writefile([&ft, get(b:, 'current_syntax', ''), v:errmsg], '$2')" \
    -c 'qa!' </dev/null >/dev/null 2>&1 || true
}
vim_probe runbooks/payments-api.rb "$TMPD/v1"
vim_probe "$TMPD/lib.rb" "$TMPD/v2"
vim_probe "$TMPD/ruby.rb" "$TMPD/v3"
[ "$(sed -n 1p "$TMPD/v1")" = rbc ] || fail "vim: payments-api.rb is not rbc: $(cat "$TMPD/v1")"
[ "$(sed -n 2p "$TMPD/v1")" = rbc ] || fail "vim: the rbc syntax did not load"
[ -z "$(sed -n 3p "$TMPD/v1")" ] || fail "vim: error loading: $(sed -n 3p "$TMPD/v1")"
[ "$(sed -n 1p "$TMPD/v2")" = rbc ] || fail "vim: a library (fn) is not rbc"
[ "$(sed -n 1p "$TMPD/v3")" != rbc ] || fail "vim: a Ruby file was taken for rbc"
echo "ok   vim ftdetect and syntax"
# }====
