#!/usr/bin/python3
"""tests/fmt_comments.py FILE | --compare A1 B1 [A2 B2 ...]

Print the comments of an rbc file, one per line; or, with --compare, check
that each pair of files holds the same comments in the same order (exit 1,
naming the pairs that differ).

An independent reading of the lexical rules (docs/language.md 2), used by
tests/fmt.sh to check that `rbc fmt` keeps every comment: '#' to the end of
the line, outside strings ("...", r"...", \"\"\"...\"\"\", r\"\"\"...\"\"\"),
inside the code of ${...} interpolations.  Trailing blanks are dropped.
"""
import os
import sys


def comments(text):
    out = []
    stack = [["code", 0]]          # modes: code (with brace depth), str, raw, ml, rawml
    i, n = 0, len(text)
    while i < n:
        mode = stack[-1]
        c = text[i]
        if mode[0] == "code":
            if c == "#":
                j = text.find("\n", i)
                j = n if j < 0 else j
                out.append(text[i:j].rstrip(" \t\r"))
                i = j
                continue
            ident_before = i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")
            if text.startswith('r"""', i) and not ident_before:
                stack.append(["rawml", 0]); i += 4; continue
            if text.startswith('"""', i):
                stack.append(["ml", 0]); i += 3; continue
            if text.startswith('r"', i) and not ident_before:
                stack.append(["raw", 0]); i += 2; continue
            if c == '"':
                stack.append(["str", 0]); i += 1; continue
            if c == "{":
                mode[1] += 1
            elif c == "}":
                if mode[1] == 0 and len(stack) > 1:
                    stack.pop()
                else:
                    mode[1] -= 1
            i += 1
            continue
        if mode[0] in ("str", "ml"):
            if c == "\\":
                i += 2; continue
            if text.startswith("${", i):
                stack.append(["code", 0]); i += 2; continue
        if mode[0] in ("ml", "rawml") and text.startswith('"""', i):
            stack.pop(); i += 3; continue
        if mode[0] in ("str", "raw") and (c == '"' or c == "\n"):
            stack.pop(); i += 1; continue
        i += 1
    return out


def read(path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return comments(f.read())


def main(args):
    if args[:1] != ["--compare"]:
        for line in read(args[0]):
            print(line)
        return 0
    bad = 0
    for a, b in zip(args[1::2], args[2::2]):
        ca, cb = read(a), read(b)
        if ca != cb:
            name = os.path.join(os.path.dirname(a), "name")
            if os.path.exists(name):        # tests/fmt.sh notes the real path there
                a = open(name).read().strip()
            print("FAIL %s: comments changed (%d before, %d after)" % (a, len(ca), len(cb)))
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
