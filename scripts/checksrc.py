#!/usr/bin/env python3
"""checksrc.py: the style checker of rbc (style.md guideline 15, after curl's checksrc).

Usage: checksrc.py [DIR_OR_FILE...]

With no argument it checks the tree at $top_srcdir (set by `make check`), or
the repository holding this script.  Every *.c and *.h we own is checked;
generated files (X.c or X.h next to X.y or X.l) and build directories are
skipped.  Rules:

  LONGLINE     a line is wider than 100 columns
  TABS         a tab character
  TRAILING     whitespace at the end of a line
  BANNED       a call to sprintf, strcpy, strcat, strtok or gets
  ASSIGNCOND   an assignment inside an if or while condition
  ASTERISK     pointer spacing other than `char *p` (`char* p`, `char * p`)

A line holding `checksrc: ignore RULE` in a comment, or the line after a
comment saying so on its own, is exempt from RULE.  Prints
`file:line:col: RULE: message` for each finding; exits 1 if any, else 0.
"""

import os
import re
import sys

MAX_WIDTH = 100
BANNED = ("sprintf", "strcpy", "strcat", "strtok", "gets")
SKIP_DIRS = {".git", "autom4te.cache", "build-aux", "m4", "_build", "_inst"}
TYPE_WORDS = (r"(?:char|void|int|long|short|double|float|bool|unsigned|signed"
              r"|const|[A-Za-z_][A-Za-z0-9_]*_t|(?:struct|enum|union)\s+[A-Za-z_]\w*)")
RE_NOSPACE = re.compile(r"\b" + TYPE_WORDS + r"\*+[ \t]*[A-Za-z_()]")
RE_BOTHSPACE = re.compile(r"\b" + TYPE_WORDS + r"[ \t]+\*+[ \t]+[A-Za-z_]")
RE_BANNED = re.compile(r"\b(" + "|".join(BANNED) + r")\s*\(")
RE_CONDKW = re.compile(r"\b(if|while)\s*\(")
RE_OPS = re.compile(r"<<=|>>=|==|!=|<=|>=|->|&&|\|\||[-+*/%&|^]=|=")
ASSIGN_OPS = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="}
RE_IGNORE = re.compile(r"checksrc:\s*ignore\s+([A-Z,\s]+)")


def strip_code(text):
    """Blank out comments, string and character literals (keeping newlines and
    columns), so the code rules see only code.  Preprocessor lines stay."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + text[j - 1:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def ignored_rules(lines):
    """Map line number (1-based) -> set of rules exempted on that line."""
    result = {}
    for num, line in enumerate(lines, 1):
        m = RE_IGNORE.search(line)
        if not m:
            continue
        rules = {r for r in re.split(r"[,\s]+", m.group(1)) if r}
        result.setdefault(num, set()).update(rules)
        if line.strip().startswith(("/*", "//", "*")):
            result.setdefault(num + 1, set()).update(rules)
    return result


def line_col(text, offset):
    """1-based line and column of offset in text."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def condition_end(code, start):
    """Index of the ')' closing the '(' at start, or -1."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def check_lines(raw_lines, report):
    """Width, tabs and trailing whitespace, on the raw text."""
    for num, line in enumerate(raw_lines, 1):
        if len(line) > MAX_WIDTH:
            report(num, MAX_WIDTH + 1, "LONGLINE",
                   "line is %d columns wide (max %d)" % (len(line), MAX_WIDTH))
        tab = line.find("\t")
        if tab >= 0:
            report(num, tab + 1, "TABS", "tab character (indent with spaces)")
        if line != line.rstrip():
            report(num, len(line.rstrip()) + 1, "TRAILING", "trailing whitespace")


def check_code(code, report):
    """Banned calls, assignments in conditions and pointer spacing."""
    for m in RE_BANNED.finditer(code):
        line, col = line_col(code, m.start())
        report(line, col, "BANNED", "banned function %s() (use snprintf, memcpy, strtok_r...)"
               % m.group(1))
    for m in RE_CONDKW.finditer(code):
        end = condition_end(code, m.end() - 1)
        if end < 0:
            continue
        for op in RE_OPS.finditer(code, m.end(), end):
            if op.group(0) in ASSIGN_OPS:
                line, col = line_col(code, op.start())
                report(line, col, "ASSIGNCOND",
                       "assignment '%s' inside %s condition" % (op.group(0), m.group(1)))
    for lnum, line in enumerate(code.split("\n"), 1):
        if line.lstrip().startswith("#include"):
            continue
        for m in RE_NOSPACE.finditer(line):
            report(lnum, m.start() + 1, "ASTERISK", "write 'type *name', not 'type* name'")
        for m in RE_BOTHSPACE.finditer(line):
            report(lnum, m.start() + 1, "ASTERISK", "write 'type *name', not 'type * name'")


def check_file(path, shown):
    """Check one file; print findings; return their number."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        print("%s: cannot read: %s" % (shown, e.strerror))
        return 1
    raw_lines = text.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    ignores = ignored_rules(raw_lines)
    findings = []

    def report(line, col, rule, msg):
        if rule not in ignores.get(line, ()):
            findings.append((line, col, rule, msg))

    check_lines(raw_lines, report)
    check_code(strip_code(text), report)
    if text and not text.endswith("\n"):
        report(len(raw_lines), 1, "NOEOL", "no newline at end of file")
    for line, col, rule, msg in sorted(findings):
        print("%s:%d:%d: %s: %s" % (shown, line, col, rule, msg))
    return len(findings)


def generated(path):
    """True for X.c/X.h produced from X.y or X.l beside it."""
    base, ext = os.path.splitext(path)
    if ext not in (".c", ".h"):
        return False
    return os.path.exists(base + ".y") or os.path.exists(base + ".l")


def is_build_dir(dirpath, name):
    """Build trees (configured directories) and tool directories are not ours."""
    if name in SKIP_DIRS or name == "build" or name.startswith("build-"):
        return True
    return os.path.exists(os.path.join(dirpath, name, "config.status"))


def collect(root):
    """Every *.c and *.h under root that we own, sorted."""
    if os.path.isfile(root):
        return [root]
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not is_build_dir(dirpath, d))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if name.endswith((".c", ".h")) and not generated(path):
                files.append(path)
    return files


def main(argv):
    roots = argv[1:]
    if not roots:
        here = os.path.dirname(os.path.abspath(__file__))
        roots = [os.environ.get("top_srcdir") or os.path.dirname(here)]
    total = nfiles = 0
    for root in roots:
        for path in collect(root):
            shown = os.path.relpath(path, root) if os.path.isdir(root) else path
            total += check_file(path, shown)
            nfiles += 1
    print("checksrc: %d file(s), %d problem(s)" % (nfiles, total))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
