#!/usr/bin/env python3
"""Golden-file tests: rendered diagnostics and disassembly listings.

usage: run-golden.py RBC TESTS_DIR [--update] [FILE.rb...]

TESTS_DIR is tests/ (both kinds run) or one of its golden directories:

  tests/diag/<case>.rb    -> <case>.tty   rbc check --color=never -f tty case.rb
                             <case>.gcc   rbc check -f gcc case.rb
                             <case>.json  rbc check -f json case.rb
                             <case>.sarif rbc check -f sarif case.rb
                             <case>.github rbc check -f github case.rb
  tests/disasm/<case>.rb  -> <case>.dis   rbc disasm case.rb

Commands run in the case's directory with the bare file name, so outputs
hold no absolute path.  The tool version is stored as @VERSION@, so a
version bump does not touch every golden file.  `rbc check` must exit 0 when
the output has no error or warning and 1 otherwise; `rbc disasm` must exit 0.

A disasm case may also state facts that hold whatever the golden says, so a
careless --update cannot hide a regression:
  # forbid-op: MUL           no instruction of that opcode in the listing
  # count-op: CONST 1        exactly that many instructions of that opcode
                             (in the first function, <runbook ...>, or in the
                             function named by `in FN`: `# count-op: ADD 0 in f`)

--update rewrites the golden files from the current output (then inspect the
diff by eye: the goldens are the specification).  Without it the outputs are
compared and each difference printed as a unified diff.  Prints one line per
case (`ok`/`FAIL`) and `N passed, N failed`; exits 1 on any failure.
"""

import difflib
import json
import os
import re
import shlex
import subprocess
import sys

CHECK_FORMATS = (("tty", ["--color=never", "-f", "tty"]), ("gcc", ["-f", "gcc"]),
                 ("json", ["-f", "json"]), ("sarif", ["-f", "sarif"]),
                 ("github", ["-f", "github"]))
FORBID_RE = re.compile(r"^#\s*forbid-op:\s*([A-Z_0-9]+)\s*$", re.M)
COUNT_RE = re.compile(r"^#\s*count-op:\s*([A-Z_0-9]+)\s+(\d+)(?:\s+in\s+(\S+))?\s*$", re.M)
TIMEOUT = float(os.environ.get("RBC_TEST_TIMEOUT") or (120 if os.environ.get("RBC_WRAPPER") else 30))


def run(rbc_cmd, args, cwd):
    try:
        p = subprocess.run(rbc_cmd + args, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "", "timed out"
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def tool_version(rbc_cmd):
    status, out, _err = run(rbc_cmd, ["--version"], ".")
    m = re.match(r"rbc (\S+)", out or "")
    return m.group(1) if status == 0 and m else None


def normalise(text, version):
    if version:
        text = text.replace('"version":"%s"' % version, '"version":"@VERSION@"')
        text = text.replace('"version": "%s"' % version, '"version": "@VERSION@"')
        text = text.replace('"semanticVersion": "%s"' % version,
                            '"semanticVersion": "@VERSION@"')
    return text


def sarif_pages_out(text):
    """SARIF rules quote the diagnostic pages (docs/diagnostics): keep those
    texts out of the goldens, so editing a page does not touch every golden
    file (tests/check_formats.sh validates the real document)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    for run in doc.get("runs", []):
        for rule in run.get("tool", {}).get("driver", {}).get("rules", []):
            if "markdown" in rule.get("help", {}):
                rule["fullDescription"]["text"] = "@PAGE@"
                rule["help"] = {"text": "@PAGE@", "markdown": "@PAGE@"}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def compare(golden, actual, update):
    """Return problem lines for one golden file (or write it with update)."""
    if update:
        with open(golden, "w") as f:
            f.write(actual)
        return []
    if not os.path.exists(golden):
        return ["missing golden file %s (run with --update, then inspect it)" % golden]
    with open(golden) as f:
        want = f.read()
    if want == actual:
        return []
    diff = difflib.unified_diff(want.splitlines(True), actual.splitlines(True),
                                os.path.basename(golden), "actual")
    return ["%s differs:" % os.path.basename(golden)] + \
        ["  " + l.rstrip("\n") for l in diff]


def diag_case(rbc_cmd, path, version, update):
    problems = []
    d, name = os.path.split(path)
    stem = path[:-3]
    for ext, args in CHECK_FORMATS:
        status, out, err = run(rbc_cmd, ["check"] + args + [name], d)
        if status not in (0, 1):
            problems.append("rbc check %s %s: exit %s: %s" % (" ".join(args), name, status, err))
            continue
        if ext == "json":
            try:
                doc = json.loads(out)
                bad = any(x.get("severity") in ("error", "warning")
                          for x in doc.get("diagnostics", []))
                if status != (1 if bad else 0):
                    problems.append("exit %d with%s errors or warnings" % (
                        status, "" if bad else "out"))
            except ValueError as e:
                problems.append("-f json output is not JSON: %s" % e)
        if ext == "sarif":
            out = sarif_pages_out(out)
        problems += compare(stem + "." + ext, normalise(out, version), update)
    return problems


def op_counts(listing, fn_name):
    """Opcode -> count in one function of a listing (the first, or fn_name)."""
    counts, current, seen_fn = {}, None, False
    for line in listing.splitlines():
        if line.startswith("fn "):
            if seen_fn and fn_name is None:
                break
            seen_fn = True
            current = line[3:].strip()
            continue
        if line.startswith("consts:"):
            break
        if fn_name is not None and (current is None or
                                    not (current == fn_name or current.startswith(fn_name + " ")
                                         or current.startswith(fn_name + "("))):
            continue
        m = re.match(r"^\s*(?:>>)?\s*[0-9a-f]{4,}\s+\d+:\d+\s+([A-Z_0-9]+)", line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def disasm_case(rbc_cmd, path, version, update):
    d, name = os.path.split(path)
    status, out, err = run(rbc_cmd, ["disasm", name], d)
    if status != 0:
        return ["rbc disasm %s: exit %s: %s" % (name, status, err)]
    problems = compare(path[:-3] + ".dis", normalise(out, version), update)
    with open(path) as f:
        src = f.read()
    all_ops = {}
    for line in out.splitlines():
        m = re.match(r"^\s*(?:>>)?\s*[0-9a-f]{4,}\s+\d+:\d+\s+([A-Z_0-9]+)", line)
        if m:
            all_ops[m.group(1)] = all_ops.get(m.group(1), 0) + 1
    for m in FORBID_RE.finditer(src):
        if all_ops.get(m.group(1)):
            problems.append("listing has %d %s instruction(s); `# forbid-op` says none"
                            % (all_ops[m.group(1)], m.group(1)))
    for m in COUNT_RE.finditer(src):
        op, want, fn = m.group(1), int(m.group(2)), m.group(3)
        got = op_counts(out, fn).get(op, 0)
        if got != want:
            problems.append("%d %s instruction(s) in %s; `# count-op` says %d"
                            % (got, op, fn or "the first function", want))
    return problems


def collect(tests_dir, only):
    if only:
        return [os.path.abspath(p) for p in only]
    dirs = [tests_dir]
    if os.path.isdir(os.path.join(tests_dir, "diag")) or \
            os.path.isdir(os.path.join(tests_dir, "disasm")):
        dirs = [os.path.join(tests_dir, "diag"), os.path.join(tests_dir, "disasm")]
    found = []
    for d in dirs:
        if os.path.isdir(d):
            found += [os.path.abspath(os.path.join(d, n)) for n in sorted(os.listdir(d))
                      if n.endswith(".rb")]
    return found


def main(argv):
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    if len(argv) < 3:
        sys.stderr.write("usage: run-golden.py RBC TESTS_DIR [--update] [FILE.rb...]\n")
        return 64
    rbc_cmd = shlex.split(os.environ.get("RBC_WRAPPER", "")) + [os.path.abspath(argv[1])]
    version = tool_version(rbc_cmd)
    files = collect(argv[2], argv[3:])
    if not files:
        sys.stderr.write("run-golden: no cases under %s\n" % argv[2])
        return 1
    passed = failed = 0
    for path in files:
        kind = os.path.basename(os.path.dirname(path))
        rel = os.path.join(kind, os.path.basename(path))
        if kind == "disasm":
            problems = disasm_case(rbc_cmd, path, version, update)
        else:
            problems = diag_case(rbc_cmd, path, version, update)
        if problems:
            failed += 1
            print("FAIL %s" % rel)
            for p in problems:
                print("    " + p)
        else:
            passed += 1
            print("%s %s" % ("updated" if update else "ok  ", rel))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
