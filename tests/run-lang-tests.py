#!/usr/bin/env python3
"""Run rbc's language tests: text files with inline expectations (Wren style).

usage: run-lang-tests.py RBC TESTS_DIR [FILE...]

Every tests/lang/<area>/<case>.rb is checked with `rbc check -f json` and the
diagnostics are compared with the expectations written in the file itself:

  # expect error line N: RB2001              an error with that code on line N
  # expect warning line N: RB3004            a warning with that code on line N
  # expect error line N col C: RB2001        ... and starting at column C
  # expect error line N: RB2001 ~ TEXT       ... whose message, labels, helps
                                              or notes contain TEXT
  # expect clean                             no diagnostic at all (any severity)
  # check-args: ARG...                       extra arguments for `rbc check`
  # expect dump:                             the lines below that start with
  # | TEXT                                   `# |` must appear, in order, in
                                              `rbc dump-ast FILE` (substrings)

Errors and warnings that are not expected fail the test; info and style
findings are ignored unless the file says `# expect clean`.  The exit status
must be 1 when an error or warning is expected and 0 otherwise; it must never
be a signal, and stderr must stay free of sanitizer reports.

A file that holds no expectation at all is a mistake in the test suite and
fails.  Prints one line per file (`ok` or `FAIL` with a diff) and a final
`N passed, N failed`; exits 1 when anything failed.
"""

import difflib
import json
import os
import re
import shlex
import subprocess
import sys

EXPECT_RE = re.compile(
    r"#\s*expect\s+(error|warning|info|style)\s+line\s+(\d+)"
    r"(?:\s+col\s+(\d+))?\s*:\s*(RB\d{4})\s*(?:~\s*(.*?))?\s*$")
CLEAN_RE = re.compile(r"#\s*expect\s+clean\s*$")
ARGS_RE = re.compile(r"#\s*check-args:\s*(.*)$")
DUMP_RE = re.compile(r"#\s*expect\s+dump:\s*$")
DUMP_LINE_RE = re.compile(r"#\s?\|\s?(.*)$")
TIMEOUT = float(os.environ.get("RBC_TEST_TIMEOUT") or (120 if os.environ.get("RBC_WRAPPER") else 30))


class Expect:
    """One `# expect SEVERITY line N: CODE` directive."""

    def __init__(self, sev, line, col, code, text):
        self.sev, self.line, self.col, self.code, self.text = sev, line, col, code, text

    def key(self):
        return "%s line %d: %s" % (self.sev, self.line, self.code)

    def describe(self):
        s = self.key()
        if self.col is not None:
            s = "%s line %d col %d: %s" % (self.sev, self.line, self.col, self.code)
        if self.text:
            s += " ~ " + self.text
        return s


def parse_expectations(path):
    """Read the directives of one test file."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    expects, clean, args, dump = [], False, [], None
    for raw in text.split("\n"):
        # A directive is a comment; it may follow code on the same line.
        pos = raw.find("# expect")
        if pos < 0:
            pos = raw.find("# check-args:")
        if pos < 0:
            pos = raw.find("# |") if dump is not None else -1
        if pos < 0:
            continue
        line = raw[pos:].rstrip()
        m = EXPECT_RE.match(line)
        if m:
            expects.append(Expect(m.group(1), int(m.group(2)),
                                  int(m.group(3)) if m.group(3) else None,
                                  m.group(4), m.group(5) or None))
            continue
        if CLEAN_RE.match(line):
            clean = True
            continue
        m = ARGS_RE.match(line)
        if m:
            args.extend(shlex.split(m.group(1)))
            continue
        if DUMP_RE.match(line):
            dump = []
            continue
        m = DUMP_LINE_RE.match(line)
        if m and dump is not None:
            dump.append(m.group(1).strip())
            continue
        if line.startswith("# expect"):
            raise ValueError("unreadable directive: %r" % line)
    return expects, clean, args, dump


def diag_text(d):
    """Everything a `~ TEXT` constraint may match in one diagnostic."""
    parts = [d.get("message") or ""]
    for lab in d.get("labels") or []:
        parts.append(lab.get("text") or "")
    for key in ("help", "notes", "note"):
        val = d.get(key) or []
        if isinstance(val, str):
            val = [val]
        parts.extend(v for v in val if isinstance(v, str))
    return "\n".join(parts)


def run(cmd, cwd):
    """Run cmd (through $RBC_WRAPPER, e.g. valgrind, when set); return
    (status, stdout, stderr).  status < 0 is a signal, None a timeout."""
    cmd = shlex.split(os.environ.get("RBC_WRAPPER", "")) + cmd
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, b"", b"timed out after %g s" % TIMEOUT
    return p.returncode, p.stdout, p.stderr


def sanitizer_report(err):
    text = err.decode("utf-8", "replace")
    for marker in ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                   "UndefinedBehaviorSanitizer"):
        if marker in text:
            return text
    return None


def check_dump(rbc, path, wanted):
    """Return a list of problems with `rbc dump-ast` against wanted lines."""
    status, out, err = run([rbc, "dump-ast", os.path.basename(path)],
                           os.path.dirname(path) or ".")
    if status != 0 and status != 1:
        return ["dump-ast exited %r: %s" % (status, err.decode("utf-8", "replace"))]
    lines = [l.strip() for l in out.decode("utf-8", "replace").split("\n")]
    i = 0
    for w in wanted:
        while i < len(lines) and w not in lines[i]:
            i += 1
        if i == len(lines):
            return ["dump line not found (in order): %r" % w,
                    "dump was:"] + ["  " + l for l in lines]
        i += 1
    return []


def run_one(rbc, path):
    """Check one test file; return a list of failure lines (empty: ok)."""
    try:
        expects, clean, args, dump = parse_expectations(path)
    except ValueError as e:
        return [str(e)]
    if not expects and not clean and dump is None:
        return ["no expectation in the file (add `# expect clean` or `# expect ...`)"]
    if clean and expects:
        return ["`# expect clean` together with other expectations"]
    cmd = [rbc, "check", "-f", "json"] + args + [os.path.basename(path)]
    status, out, err = run(cmd, os.path.dirname(path) or ".")
    problems = []
    if status is None or status < 0:
        return ["rbc check did not exit normally (status %r): %s"
                % (status, err.decode("utf-8", "replace")[-2000:])]
    san = sanitizer_report(err)
    if san:
        problems.append("sanitizer report on stderr:\n" + san[-3000:])
    try:
        doc = json.loads(out.decode("utf-8"))
        diags = doc["diagnostics"]
    except (ValueError, KeyError, TypeError) as e:
        return problems + ["cannot read JSON output (%s), exit %d; stdout:\n%s\nstderr:\n%s"
                           % (e, status, out.decode("utf-8", "replace")[:2000],
                              err.decode("utf-8", "replace")[:2000])]

    remaining = list(diags)
    missing = []
    for e in expects:
        hit = None
        for d in remaining:
            if (d.get("code") == e.code and d.get("line") == e.line
                    and d.get("severity") == e.sev
                    and (e.col is None or d.get("column") == e.col)
                    and (e.text is None or e.text in diag_text(d))):
                hit = d
                break
        if hit is None:
            missing.append(e)
        else:
            remaining.remove(hit)
    if clean:
        unexpected = remaining
    else:
        unexpected = [d for d in remaining if d.get("severity") in ("error", "warning")]

    if missing or unexpected:
        want = sorted(e.describe() for e in expects)
        got = sorted("%s line %s col %s: %s ~ %s" % (
            d.get("severity"), d.get("line"), d.get("column"), d.get("code"),
            diag_text(d).replace("\n", " | ")) for d in diags
            if clean or d.get("severity") in ("error", "warning") or d not in remaining)
        problems.append("diagnostics differ (- expected, + actual):")
        problems.extend("  " + l for l in difflib.unified_diff(
            want, got, "expected", "actual", lineterm="", n=100))
        for e in missing:
            problems.append("  missing: " + e.describe())
        for d in unexpected:
            problems.append("  unexpected: %s line %s col %s: %s %s" % (
                d.get("severity"), d.get("line"), d.get("column"), d.get("code"),
                d.get("message")))

    fails = any(e.sev in ("error", "warning") for e in expects)
    want_status = 1 if fails else 0
    if status != want_status:
        problems.append("exit status %d, expected %d" % (status, want_status))
    if dump is not None:
        problems.extend(check_dump(rbc, path, dump))
    return problems


def collect(tests_dir, only):
    if only:
        return only
    found = []
    for root, _dirs, files in os.walk(tests_dir):
        for name in files:
            if name.endswith(".rb"):
                found.append(os.path.join(root, name))
    return sorted(found)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: run-lang-tests.py RBC TESTS_DIR [FILE...]\n")
        return 64
    rbc = os.path.abspath(argv[1])
    tests_dir = argv[2]
    files = collect(tests_dir, argv[3:])
    if not files:
        sys.stderr.write("run-lang-tests: no .rb files under %s\n" % tests_dir)
        return 1
    passed = failed = 0
    for path in files:
        rel = os.path.relpath(path, tests_dir)
        problems = run_one(rbc, os.path.abspath(path))
        if problems:
            failed += 1
            print("FAIL %s" % rel)
            for p in problems:
                print("    " + p.replace("\n", "\n    "))
        else:
            passed += 1
            print("ok   %s" % rel)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
