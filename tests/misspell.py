#!/usr/bin/env python3
"""Misspell every use of every name in the demo runbook, one at a time.

usage: misspell.py RBC SRCDIR [RUNBOOK] [-v]

Takes runbooks/payments-api.rb (or RUNBOOK), finds every *use* of each name
it declares or relies on:

  params, secrets, fns, fn parameters, let and for bindings   -> RB2001
  built-in functions (env, now, len, sh, ...), modules (http, aws) -> RB2001
  built-in module members (http.get, http.bench, json.parse)  -> RB2019
  `on failure troubleshoot "NAME"`                            -> RB2007
  metadata enum values (criticality, status)                  -> RB2005

and for each occurrence writes a copy of the file with only that token
misspelled (two letters swapped, or one dropped; a one- or two-letter name
gets its last letter doubled), runs `rbc check -f json` on it and asserts a
diagnostic with the expected code, severity error, at the exact line and
column of the misspelled token, whose text names the original in a "did you
mean `NAME`?" suggestion; and no other error.  The unmodified runbook must
check with no error first.  Prints one line per case and a summary; exits 1
when any case failed.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYWORDS = set("""runbook import param secret fn let if else for in return retry wait
assert sh confirm log fail parallel phase step contact resource trigger checklist item
troubleshoot monitor when within on and or not true false null""".split())
# Words that are only keywords in context; never names to misspell here.
CONTEXTUAL = set("""auto manual until every timeout backoff failure continue abort value
normal alert GET POST PUT PATCH DELETE HEAD contains json header verify""".split())
METADATA = set("title criticality expected rpo rto owner tested review status version".split())
ENUM_KEYS = {"criticality", "status"}
MODULES = {"http", "json", "aws"}


class Tok:
    def __init__(self, kind, text, off, line, col):
        self.kind, self.text, self.off, self.line, self.col = kind, text, off, line, col

    def __repr__(self):
        return "%s(%r@%d:%d)" % (self.kind, self.text, self.line, self.col)


def lex(src):
    """Tokens of src: ident, str (whole literal, with its interpolations'
    tokens emitted after it), num, punct.  Comments are dropped."""
    toks = []
    line_starts = [0] + [i + 1 for i, c in enumerate(src) if c == "\n"]

    def pos(off):
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= off:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, off - line_starts[lo] + 1

    def add(kind, text, off):
        line, col = pos(off)
        toks.append(Tok(kind, text, off, line, col))

    def string(i, raw):
        """Scan a string literal starting at src[i] == '"'; return its end."""
        start = i - (1 if raw else 0)
        triple = src.startswith('"""', i)
        i += 3 if triple else 1
        inner = []
        while i < len(src):
            if triple and src.startswith('"""', i):
                i += 3
                break
            if not triple and src[i] == '"':
                i += 1
                break
            if not raw and src[i] == "\\":
                i += 2
                continue
            if not raw and src.startswith("${", i):
                depth, j = 1, i + 2
                sub_start = j
                while j < len(src) and depth:
                    if src[j] == "{":
                        depth += 1
                    elif src[j] == "}":
                        depth -= 1
                    elif src[j] == '"':
                        j = string(j, False) - 1
                    j += 1
                inner.append((sub_start, j - 1))
                i = j
                continue
            i += 1
        add("str", src[start:i], start)
        for a, b in inner:
            scan(a, b)
        return i

    def scan(i, end):
        while i < end:
            c = src[i]
            if c == "#":
                while i < end and src[i] != "\n":
                    i += 1
            elif c in " \t\r":
                i += 1
            elif c == "\n":
                add("nl", "\n", i)
                i += 1
            elif c == "r" and i + 1 < end and src[i + 1] == '"':
                i = string(i + 1, True)
            elif c == '"':
                i = string(i, False)
            elif c.isalpha() or c == "_":
                m = IDENT.match(src, i)
                add("ident", m.group(0), i)
                i = m.end()
            elif c.isdigit():
                m = re.compile(r"[0-9][0-9A-Za-z_.%]*").match(src, i)
                add("num", m.group(0), i)
                i = m.end()
            else:
                two = src[i:i + 2]
                if two in ("==", "!=", "<=", ">=", "??", ".."):
                    add("punct", two, i)
                    i += 2
                else:
                    add("punct", c, i)
                    i += 1

    scan(0, len(src))
    return toks


def builtin_names(srcdir):
    """Names from stdlib/builtins.def: plain functions and module members."""
    path = os.path.join(srcdir, "stdlib", "builtins.def")
    plain, members = set(), {}
    with open(path) as f:
        for m in re.finditer(r'^BI\(\s*\w+\s*,\s*"([^"]+)"', f.read(), re.M):
            name = m.group(1)
            if "." in name:
                mod, mem = name.split(".", 1)
                members.setdefault(mod, set()).add(mem)
            else:
                plain.add(name)
    return plain, members


def find_uses(src, builtins, members):
    """Return [(tok, expected code, original text)] for every use to misspell."""
    toks = lex(src)
    code_toks = [t for t in toks if t.kind != "nl"]
    declared, decl_offs = set(), set()
    # Declarations: param/secret NAME, fn NAME(a, b), let NAME, for NAME[, NAME] in.
    for i, t in enumerate(code_toks):
        nxt = code_toks[i + 1] if i + 1 < len(code_toks) else None
        if t.kind == "ident" and t.text in ("param", "secret", "let", "fn") and nxt \
                and nxt.kind == "ident":
            declared.add(nxt.text)
            decl_offs.add(nxt.off)
            if t.text == "fn":
                j = i + 3
                while j < len(code_toks) and code_toks[j].text != ")":
                    if code_toks[j].kind == "ident":
                        declared.add(code_toks[j].text)
                        decl_offs.add(code_toks[j].off)
                    j += 1
        if t.kind == "ident" and t.text == "for":
            # `for x in` / `for k, v in` (not a trigger's `for 5m`)
            names = [tk for tk in code_toks[i + 1:i + 5] if tk.kind == "ident"]
            words = [tk.text for tk in code_toks[i + 1:i + 5]]
            if names and (words[1:2] == ["in"] or words[1:4:2] == [",", "in"]):
                for tk in names:
                    if tk.text == "in":
                        break
                    declared.add(tk.text)
                    decl_offs.add(tk.off)
        if t.kind == "ident" and t.text == "resource" and nxt:
            decl_offs.add(nxt.off)
    uses = []
    contact_depth = None
    depth = 0
    for i, t in enumerate(code_toks):
        prev = code_toks[i - 1] if i else None
        prev2 = code_toks[i - 2] if i > 1 else None
        nxt = code_toks[i + 1] if i + 1 < len(code_toks) else None
        if t.text == "{" and t.kind == "punct":
            depth += 1
        elif t.text == "}" and t.kind == "punct":
            if contact_depth == depth:
                contact_depth = None
            depth -= 1
        if t.kind == "ident" and t.text == "contact":
            contact_depth = depth + 1
        if contact_depth is not None and depth >= contact_depth:
            continue
        # on failure troubleshoot "NAME"
        if t.kind == "str" and prev and prev.text == "troubleshoot" and prev2 \
                and prev2.text == "failure":
            uses.append((t, "RB2007", t.text[1:-1]))
            continue
        if t.kind != "ident" or t.off in decl_offs:
            continue
        if prev and prev.kind == "ident" and prev.text in ENUM_KEYS and \
                (prev2 is None or prev2.kind == "nl" or prev2.text in "{}") or \
                (prev and prev.text in ENUM_KEYS and t.line == prev.line
                 and prev.col <= 3):
            uses.append((t, "RB2005", t.text))
            continue
        if prev and prev.text == ".":
            obj = code_toks[i - 2] if i > 1 else None
            before = code_toks[i - 3] if i > 2 else None
            if obj and obj.kind == "ident" and obj.text in members and obj.text != "aws" \
                    and not (before and before.text == "."):
                uses.append((t, "RB2019", t.text))
            continue
        if nxt and nxt.text == ":" and prev and prev.text in ("(", ",", "{", "\n"):
            continue                      # named argument or map key
        if nxt and nxt.text == ":" and prev and prev.kind == "punct":
            continue
        if t.text in KEYWORDS - {"sh"} or t.text in CONTEXTUAL or t.text in METADATA:
            continue
        if t.text in declared:
            uses.append((t, "RB2001", t.text))
        elif t.text in MODULES and nxt and nxt.text == ".":
            uses.append((t, "RB2001", t.text))
        elif t.text in builtins and nxt and nxt.text == "(":
            uses.append((t, "RB2001", t.text))
    return uses


def misspell(word, taken):
    """A near miss of word (Damerau-Levenshtein distance 1) not in taken."""
    cands = []
    if len(word) <= 2:
        cands.append(word + word[-1])
    for k in range(1, len(word) - 1):
        if word[k] != word[k + 1]:
            cands.append(word[:k] + word[k + 1] + word[k] + word[k + 2:])
    for k in range(1, len(word)):
        cands.append(word[:k] + word[k + 1:])
    for c in cands:
        if c != word and c not in taken and IDENT.fullmatch(c.split(" ")[0] or "x"):
            return c
    raise ValueError("no misspelling for %r" % word)


def diag_text(d):
    parts = [d.get("message") or ""]
    parts += [l.get("text") or "" for l in d.get("labels") or []]
    parts += [h for h in d.get("help") or [] if isinstance(h, str)]
    parts += [h for h in d.get("notes") or [] if isinstance(h, str)]
    return "\n".join(parts)


def run_check(rbc_cmd, path):
    p = subprocess.run(rbc_cmd + ["check", "-f", "json", os.path.basename(path)],
                       cwd=os.path.dirname(path), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode not in (0, 1):
        raise RuntimeError("exit %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")))
    return json.loads(p.stdout.decode("utf-8"))["diagnostics"]


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    if len(argv) < 3:
        sys.stderr.write("usage: misspell.py RBC SRCDIR [RUNBOOK] [-v]\n")
        return 64
    rbc_cmd = shlex.split(os.environ.get("RBC_WRAPPER", "")) + [os.path.abspath(argv[1])]
    srcdir = argv[2]
    runbook = argv[3] if len(argv) > 3 else os.path.join(srcdir, "runbooks", "payments-api.rb")
    with open(runbook) as f:
        src = f.read()
    builtins, members = builtin_names(srcdir)
    uses = find_uses(src, builtins, members)
    taken = set(IDENT.findall(src)) | builtins | KEYWORDS | CONTEXTUAL
    for mems in members.values():
        taken |= mems
    tmp = tempfile.mkdtemp(prefix="rbc-misspell.")
    path = os.path.join(tmp, os.path.basename(runbook))
    with open(path, "w") as f:
        f.write(src)
    base = [d for d in run_check(rbc_cmd, path) if d.get("severity") == "error"]
    if base:
        print("FAIL the unmodified runbook has errors:")
        for d in base:
            print("    line %s col %s %s %s" % (d["line"], d["column"], d["code"], d["message"]))
        return 1
    passed = failed = 0
    counts = {}
    for tok, code, orig in uses:
        if tok.kind == "str":
            wrong = '"%s"' % misspell(orig, set())
        else:
            wrong = misspell(orig, taken)
        text = src[:tok.off] + wrong + src[tok.off + len(tok.text):]
        with open(path, "w") as f:
            f.write(text)
        label = "line %d col %d: %s -> %s (%s)" % (tok.line, tok.col, tok.text, wrong, code)
        try:
            diags = run_check(rbc_cmd, path)
        except (RuntimeError, ValueError, KeyError) as e:
            failed += 1
            print("FAIL %s: %s" % (label, e))
            continue
        errors = [d for d in diags if d.get("severity") == "error"]
        hit = [d for d in errors if d.get("code") == code and d.get("line") == tok.line
               and d.get("column") == tok.col]
        problems = []
        if not hit:
            problems.append("no %s error at %d:%d" % (code, tok.line, tok.col))
        else:
            t = diag_text(hit[0])
            if "did you mean" not in t or ("`%s`" % orig) not in t:
                problems.append("no \"did you mean `%s`\" in: %s" % (orig, t.replace("\n", " | ")))
        others = [d for d in errors if not hit or d is not hit[0]]
        if others:
            problems.append("other errors: " + "; ".join(
                "%s:%s %s %s" % (d["line"], d["column"], d["code"], d["message"])
                for d in others))
        counts[code] = counts.get(code, 0) + 1
        if problems:
            failed += 1
            print("FAIL %s" % label)
            for p in problems:
                print("    " + p)
            if not verbose:
                for d in errors:
                    print("    got: %s:%s %s %s" % (d["line"], d["column"], d["code"],
                                                   diag_text(d).replace("\n", " | ")))
        else:
            passed += 1
            if verbose:
                print("ok   %s" % label)
    os.unlink(path)
    os.rmdir(tmp)
    print("misspell: %d uses (%s); %d passed, %d failed" % (
        len(uses), ", ".join("%s %d" % kv for kv in sorted(counts.items())), passed, failed))
    return 1 if failed or not uses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
