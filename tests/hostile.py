#!/usr/bin/env python3
"""Hostile inputs for rbc: nothing may crash it.

usage: hostile.py RBC SRCDIR [--seed N] [--scale F] [--jobs N]
                             [--max-seconds S] [--save DIR] [--only source|bytecode]

Source part: generates (deterministically, from --seed) random byte files,
token soup, truncations of every test .rb at many lengths, NUL bytes, invalid
UTF-8, 10,000-deep nesting of ( [ { `if x {` and unary -, long operator and
postfix chains, a 1 MB string literal and identifier, 100,000 lines, and every
kind of unterminated literal, then runs `rbc check` on each (json and tty
formats).  The exit status must be 0 or 1, never a signal or anything above
1; stderr must hold no sanitizer report; json output must parse.  A subset
is also run through `rbc disasm FILE.rb` (parse + check + compile + listing),
which may exit 0 or 65 only.

Bytecode part: compiles a few runbooks to .rbx, then flips each byte,
truncates at each length and replaces the body with random bytes (header
kept), and runs `rbc disasm` on each: exit 0 or 65 only, and 65 must come
with a message on stderr.

Each command may use --timeout seconds of CPU time (RLIMIT_CPU; more is a
hang or a quadratic pass), and 20 times that in wall-clock time, so a loaded
machine does not fail it.
--scale multiplies the number of generated cases (use < 1 under valgrind);
--max-seconds stops early (reported, not a failure) so a slow sanitizer
build cannot hang CI.  Failing inputs are copied to --save (default
$TMPDIR/rbc-hostile-failures) with a note of the command.  Exits 1 when any
case failed.
"""

import argparse
import concurrent.futures
import json
import os
import random
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error", "LeakSanitizer",
                     "UndefinedBehaviorSanitizer", "Segmentation fault",
                     "stack-overflow", "Assertion", "==ERROR")

KEYWORDS = ("runbook import param secret fn let if else for in return retry wait assert "
            "sh confirm log fail parallel phase step contact resource trigger checklist "
            "item troubleshoot monitor when within on and or not true false null "
            "auto manual until every timeout backoff max failure continue abort value "
            "normal alert http GET POST contains json header verify title criticality "
            "high low owner rto rpo expected tested review status version").split()
PUNCT = ["(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "=", "==", "!=", "<", "<=",
         ">", ">=", "+", "-", "*", "/", "%", "??", "..", "\n", "\n", "\n", " ", "  ", "#"]
LITERALS = ['"s"', '"a ${x} b"', '"${', '}"', 'r"raw"', '"""\n  m\n  """', "42", "1_000",
            "0x1f", "1.5", "1e3", "250ms", "1h30m", "5mins", "5%", "0.1%", "2xx", "x", "y",
            "aws.ecs.describe_services", "http.get", "len", "now()", "\\", "@", "$", "\t",
            '"\\u{1F600}"', '"\\q"', "\xc3\xa9", "\xff"]

STEP_HEAD = 'runbook "h" {\n  phase "p" {\n    step "s" {\n      '
STEP_TAIL = '\n    }\n  }\n}\n'


class Case:
    """One input file and the commands to run on it."""

    def __init__(self, name, data, kind="source", disasm=False):
        self.name, self.data, self.kind, self.disasm = name, data, kind, disasm


def b(s):
    return s.encode("utf-8", "surrogateescape") if isinstance(s, str) else s


def rand_bytes(rng, size):
    return rng.getrandbits(8 * size).to_bytes(size, "little") if size else b""


def in_step(body):
    return b(STEP_HEAD) + b(body) + b(STEP_TAIL)


def test_sources(srcdir):
    """Every .rb shipped with the tests and the demo runbooks, sorted."""
    out = []
    for sub in ("tests/lang", "tests/diag", "tests/disasm", "runbooks", "stdlib"):
        top = os.path.join(srcdir, sub)
        for root, _dirs, files in os.walk(top):
            for name in files:
                if name.endswith(".rb"):
                    out.append(os.path.join(root, name))
    return sorted(out)


def gen_random(rng, scale):
    n = max(10, int(150 * scale))
    for i in range(n):
        size = rng.choice([0, 1, 2, 7, 64, 512, 4096, rng.randrange(1, 20000)])
        yield Case("random-%03d" % i, rand_bytes(rng, size))


def gen_soup(rng, scale):
    """Random sequences of the language's tokens: reach deep parser states."""
    alphabet = KEYWORDS + PUNCT + LITERALS
    n = max(20, int(300 * scale))
    for i in range(n):
        toks = [rng.choice(alphabet) for _ in range(rng.randrange(1, 400))]
        sep = rng.choice(["", " "])
        text = sep.join(t if t.strip() else t for t in toks)
        if i % 2:
            yield Case("soup-step-%03d" % i, in_step(text), disasm=(i % 8 == 1))
        else:
            yield Case("soup-%03d" % i, b(text), disasm=(i % 8 == 0))


def gen_truncations(rng, files, scale):
    per_file = max(1, int(6 * scale))
    step = max(1, int(round(0.2 / scale))) if scale < 0.2 else 1
    for path in files[::step]:
        with open(path, "rb") as f:
            data = f.read()
        base = os.path.basename(path)[:-3]
        lengths = {0, 1, len(data) - 1, len(data) // 2}
        for k in range(per_file):
            lengths.add(len(data) * k // per_file)
            lengths.add(rng.randrange(0, len(data) + 1))
        for n in sorted(l for l in lengths if 0 <= l <= len(data)):
            yield Case("trunc-%s-%d" % (base, n), data[:n], disasm=(n % 5 == 0))


def gen_nul_utf8(demo):
    yield Case("nul-only", b"\0" * 100)
    yield Case("nul-first", b"\0" + demo)
    yield Case("nul-middle", demo[:len(demo) // 2] + b"\0" + demo[len(demo) // 2:])
    yield Case("nul-last", demo + b"\0")
    yield Case("nul-in-string", in_step('log "a\0b"'))
    yield Case("nul-in-comment", in_step('# a\0b\nlog "x"'))
    yield Case("nul-in-ident", in_step('let a\0b = 1'))
    yield Case("nul-in-interp", in_step('log "${a\0}"'))
    bad = [b"\x80", b"\xc0\xaf", b"\xc3", b"\xed\xa0\x80", b"\xf5\x80\x80\x80",
           b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xff\xfe", b"\xef\xbb\xbf"]
    for i, seq in enumerate(bad):
        yield Case("utf8-%d-bare" % i, seq)
        yield Case("utf8-%d-ident" % i, in_step("let a") + seq + b" = 1\n")
        yield Case("utf8-%d-string" % i, in_step(b'log "a' + seq + b'b"'))
        yield Case("utf8-%d-comment" % i, in_step(b"# c" + seq + b"\nlog 1"))
        yield Case("utf8-%d-eof" % i, in_step(b'log "x"') + seq)
        yield Case("utf8-%d-metadata" % i, b'runbook "x" {\n  title "' + seq + b'"\n  ' + seq
                   + b'\n}\n')
    yield Case("utf8-demo-corrupt", demo.replace(b"rollback", b"rollb\xe4ck"))
    yield Case("crlf-demo", demo.replace(b"\n", b"\r\n"), disasm=True)
    yield Case("cr-only-demo", demo.replace(b"\n", b"\r"))
    yield Case("tabs", in_step("\tlog\t1\t+\t2\t"))


def gen_deep(depth, long_chains=True):
    d = depth
    yield Case("deep-paren", in_step("let x = " + "(" * d + "1" + ")" * d), disasm=True)
    yield Case("deep-paren-open", in_step("let x = " + "(" * d))
    yield Case("deep-list", in_step("let x = " + "[" * d + "1" + "]" * d), disasm=True)
    yield Case("deep-list-open", in_step("let x = " + "[" * d))
    yield Case("deep-map", in_step("let x = " + "{a: " * d + "1" + "}" * d), disasm=True)
    yield Case("deep-map-open", in_step("let x = " + "{a: " * d))
    yield Case("deep-brace-top", b"{" * d)
    yield Case("deep-brace-open", in_step("{" * d))
    yield Case("deep-if", in_step("let x = true\n" + "if x {\n" * d + "log x\n" + "}\n" * d),
               disasm=True)
    yield Case("deep-if-open", in_step("let x = true\n" + "if x {\n" * d))
    yield Case("deep-else-if", in_step("let x = 1\nif x == 0 { log 0 }\n"
                                       + "".join("else if x == %d { log %d }\n" % (i, i)
                                                 for i in range(d // 10))), disasm=True)
    yield Case("deep-unary", in_step("let x = " + "-" * d + "1"), disasm=True)
    yield Case("deep-unary-paren", in_step("let x = " + "-(" * d + "1" + ")" * d), disasm=True)
    yield Case("deep-not", in_step("let x = " + "not " * d + "true"), disasm=True)
    yield Case("deep-for", in_step("for a in [1] {\n" * d + "log a\n" + "}\n" * d), disasm=True)
    yield Case("deep-retry", in_step("retry 2 every 1s {\n" * d + "log 1\n" + "}\n" * d))
    yield Case("deep-parallel", in_step("parallel {\n" * d + "log 1\n" + "}\n" * d))
    yield Case("deep-fn-calls", in_step("let x = " + "len(" * d + "[1]" + ")" * d), disasm=True)
    yield Case("deep-interp", in_step("let x = " + '"${' * (d // 10) + "1"
                                      + '}"' * (d // 10)), disasm=True)
    yield Case("deep-interp-open", in_step("let x = " + '"${' * (d // 10)))
    yield Case("deep-fn-nesting", b"fn f() {\n" * d)
    if not long_chains:
        return
    # Long chains: a shallow grammar but a deep (left-leaning) tree.
    n = 100000
    yield Case("chain-plus", in_step("let x = 1" + " + 1" * n), disasm=True)
    yield Case("chain-concat", in_step('let x = "a"' + ' + "a"' * n), disasm=True)
    yield Case("chain-and", in_step("let x = true" + " and true" * n), disasm=True)
    yield Case("chain-coalesce", in_step("let x = null" + " ?? null" * n), disasm=True)
    yield Case("chain-member", in_step("let m = {}\nlet x = m" + ".a" * n), disasm=True)
    yield Case("chain-index", in_step("let m = [1]\nlet x = m" + "[0]" * n), disasm=True)
    yield Case("chain-call", in_step("let x = len" + "()" * n), disasm=True)
    yield Case("chain-compare", in_step("let x = 1" + " < 1" * 1000))
    # KNOWN FAILURE (2026-11-26): wide-list and wide-map time out in `rbc disasm`
    # (compile): src_position is O(column) and is called per instruction, so
    # one 100,000-item line costs O(n^2).
    yield Case("wide-list", in_step("let x = [" + "1, " * n + "1]"), disasm=True)
    yield Case("wide-map", in_step("let x = {" + "".join("k%d: %d, " % (i, i)
                                                         for i in range(n // 4)) + "}"),
               disasm=True)
    yield Case("wide-args", in_step("log " + "1, " * n + "1"), disasm=True)
    yield Case("wide-interp", in_step('log "' + "${1}" * (n // 4) + '"'), disasm=True)


def gen_big():
    mb = 1 << 20
    yield Case("big-string", in_step('log "' + "a" * mb + '"'), disasm=True)
    yield Case("big-string-open", in_step('log "' + "a" * mb))
    yield Case("big-raw-string", in_step('log r"' + "a" * mb + '"'))
    yield Case("big-multiline", in_step('log """\n' + ("  line\n" * (mb // 7)) + '  """'),
               disasm=True)
    yield Case("big-ident", in_step("let " + "a" * mb + " = 1"), disasm=True)
    yield Case("big-ident-use", in_step("log " + "a" * mb))
    yield Case("big-number", in_step("let x = " + "9" * mb))
    yield Case("big-float", in_step("let x = 1." + "9" * mb + "e" + "9" * 100))
    yield Case("big-duration", in_step("let x = " + "9" * 1000 + "d"))
    yield Case("big-duration-units", in_step("let x = " + "1d1h1m1s1ms" * 10000))
    yield Case("big-comment", b"#" + b"x" * mb)
    yield Case("lines-100k", in_step('log "x"\n' * 100000), disasm=True)
    yield Case("lines-100k-blank", b"\n" * 100000 + b'runbook "x" {\n}\n')
    yield Case("lines-100k-errors", in_step("let = 1\n" * 100000))
    yield Case("lines-100k-undefined", in_step("log undefined_name\n" * 100000))
    yield Case("steps-20k", b'runbook "x" {\n  phase "p" {\n'
               + b"".join(b'    step "s%d" { log %d }\n' % (i, i) for i in range(20000))
               + b"  }\n}\n", disasm=True)
    yield Case("dup-steps-20k", b'runbook "x" {\n  phase "p" {\n'
               + b'    step "s" {\n      log 1\n    }\n' * 20000 + b"  }\n}\n")
    yield Case("params-20k", b'runbook "x" {\n'
               + b"".join(b"  param p%d = %d\n" % (i, i) for i in range(20000)) + b"}\n")
    yield Case("lets-20k", in_step("".join("let v%d = %d\n" % (i, i) for i in range(20000))
                                   + "log v19999"), disasm=True)
    yield Case("near-names-5k", in_step("".join("let abcdef%d = 1\n" % i for i in range(5000))
                                        + "log abcdeg1\n" * 200))


def gen_unterminated():
    cases = {
        "unterm-string": 'log "abc',
        "unterm-string-nl": 'log "abc\nlog 1',
        "unterm-string-escape": 'log "abc\\',
        "unterm-raw": 'log r"abc',
        "unterm-multiline": 'log """\n  abc\n',
        "unterm-multiline-quote": 'log """\n  abc\n  ""',
        "unterm-raw-multiline": 'log r"""\n  abc',
        "unterm-interp": 'log "a ${x',
        "unterm-interp-nested": 'log "a ${"b ${x',
        "unterm-interp-brace": 'log "a ${ {a: 1',
        "unterm-interp-multiline": 'log """\n ${x\n',
        "unterm-unicode-escape": 'log "\\u{1F60',
        "unterm-paren": "log (1 + 2",
        "unterm-list": "log [1, 2",
        "unterm-map": "log {a: 1,",
        "unterm-call-named": "sh(\"x\", env:",
        "unterm-assert-http": "assert http 200 GET",
        "unterm-wait": "wait until x every",
        "unterm-retry": "retry 3 every 1s",
        "unterm-percent": "log 5%",
        "unterm-dot": "log a.",
        "backslash-eof": "log 1 \\",
    }
    for name, text in sorted(cases.items()):
        yield Case(name, in_step(text)[:len(STEP_HEAD) + len(b(text))])
        yield Case(name + "-closed", in_step(text))
    yield Case("unterm-blocks", b'runbook "x" {\n  phase "p" {\n    step "s" {\n      if x {\n')
    yield Case("unterm-runbook", b'runbook "x" {')
    yield Case("unterm-runbook-name", b'runbook "x')
    yield Case("unterm-contact", b'runbook "x" {\n  contact "c" { name "a" phone ')
    yield Case("unterm-checklist", b'runbook "x" {\n  checklist "c" {\n    item "a" verify ')
    yield Case("unterm-monitor", b'runbook "x" {\n  monitor "m" value 1 normal 1 .. ')
    yield Case("unterm-trigger", b'runbook "x" {\n  trigger auto "t" when 1 for ')
    yield Case("unterm-import", b'import "')
    yield Case("unterm-fn", b"fn f(a, b")
    yield Case("closers-only", b"}" * 1000 + b")" * 1000 + b"]" * 1000)


def source_cases(args, rng):
    files = test_sources(args.srcdir)
    demo_path = os.path.join(args.srcdir, "runbooks", "payments-api.rb")
    with open(demo_path, "rb") as f:
        demo = f.read()
    depth = 10000
    gens = [gen_random(rng, args.scale), gen_soup(rng, args.scale),
            gen_truncations(rng, files, args.scale), gen_nul_utf8(demo),
            gen_deep(depth, not args.light), gen_unterminated()]
    if not args.light:
        gens.append(gen_big())
    for g in gens:
        for c in g:
            yield c


# {==== bytecode ====


def compile_rbx(rbc_cmd, src, out, tmp):
    p = subprocess.run(rbc_cmd + ["compile", src, "-o", out], cwd=tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def bytecode_cases(args, rng, rbc_cmd, tmp, failures):
    """Compile a few runbooks, then corrupt their .rbx files every way."""
    sources = [os.path.join(args.srcdir, "runbooks", "payments-api.rb")]
    extra = os.path.join(args.srcdir, "tests", "disasm")
    if os.path.isdir(extra):
        sources += sorted(os.path.join(extra, n) for n in os.listdir(extra) if n.endswith(".rb"))
    compiled = []
    for src in sources:
        out = os.path.join(tmp, os.path.basename(src)[:-3] + ".rbx")
        status, err = compile_rbx(rbc_cmd, src, out, tmp)
        if status != 0 or not os.path.exists(out):
            failures.append("rbc compile %s exited %s: %s" % (src, status, err.strip()[:500]))
            continue
        with open(out, "rb") as f:
            compiled.append((os.path.basename(out)[:-4], f.read()))
    # Smallest files first: every byte of those; a stride over the big ones.
    compiled.sort(key=lambda t: len(t[1]))
    budget = max(50 if args.light else 200, int(2000 * args.scale))
    header = 64
    for idx, (base, data) in enumerate(compiled[:1 if args.light else 4]):
        yield Case("rbx-%s-orig" % base, data, "bytecode")
        n = len(data)
        stride = max(1, n * (2 if idx == 0 else 1) // budget) if n > budget // 2 else 1
        positions = sorted(set(list(range(min(n, header))) + list(range(0, n, stride))))
        for pos in positions:
            flip = bytearray(data)
            flip[pos] ^= 0xFF
            yield Case("rbx-%s-flip-%d" % (base, pos), bytes(flip), "bytecode")
            if pos % 3 == 0:
                one = bytearray(data)
                one[pos] ^= 1 << (pos % 8)
                yield Case("rbx-%s-bit-%d" % (base, pos), bytes(one), "bytecode")
        for cut in sorted(set(list(range(min(n, header))) + list(range(0, n, stride)))):
            yield Case("rbx-%s-trunc-%d" % (base, cut), data[:cut], "bytecode")
        for k in range(max(5, int(60 * args.scale))):
            keep = rng.choice([4, 8, 16, 32, header])
            body = rand_bytes(rng, rng.randrange(0, 2 * n + 1))
            yield Case("rbx-%s-random-%d" % (base, k), data[:keep] + body, "bytecode")
            if n > header:
                tail = bytearray(data)
                for _ in range(rng.randrange(1, 16)):
                    tail[rng.randrange(header, n)] = rng.randrange(256)
                yield Case("rbx-%s-scribble-%d" % (base, k), bytes(tail), "bytecode")
        yield Case("rbx-%s-doubled" % base, data + data, "bytecode")
        yield Case("rbx-%s-zeros" % base, data[:header] + b"\0" * (n - header), "bytecode")
        yield Case("rbx-%s-ff" % base, data[:header] + b"\xff" * (n - header), "bytecode")
    yield Case("rbx-empty", b"", "bytecode")
    yield Case("rbx-magic-only", b"\x1bRBC", "bytecode")


# {==== running ====


def run_cmd(cmd, cwd, timeout):
    """Run cmd with `timeout` seconds of CPU time (RLIMIT_CPU: a loop or a
    quadratic pass burns CPU, however loaded the machine is) and a wall-clock
    guard of 20 times that for a process that blocks."""
    def limit_cpu():
        secs = max(1, int(timeout))
        resource.setrlimit(resource.RLIMIT_CPU, (secs, secs + 5))

    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout * 20, preexec_fn=limit_cpu)
        if p.returncode == -signal.SIGXCPU:
            return "cpu", p.stdout, p.stderr
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", b"", b""


def bad_stderr(err):
    text = err.decode("utf-8", "replace")
    for m in SANITIZER_MARKERS:
        if m in text:
            return m
    return None


def judge(case, path, rbc_cmd, cwd, timeout):
    """Run the commands for one case; return a list of problem strings."""
    problems = []
    if case.kind == "bytecode":
        cmds = [(["disasm", path], (0, 65), "disasm")]
    else:
        fmt = "json" if zlib.crc32(case.name.encode()) % 3 else "tty"
        fmt = "json" if case.name.startswith(("big-", "lines-", "chain-", "deep-")) else fmt
        cmds = [(["check", "-f", fmt, "--color=never", path], (0, 1), "check-" + fmt)]
        if case.disasm:
            cmds.append((["disasm", path], (0, 65), "disasm"))
    for argv, allowed, label in cmds:
        status, out, err = run_cmd(rbc_cmd + argv, cwd, timeout)
        shown = "rbc " + " ".join(shlex.quote(a) for a in argv)
        if status == "cpu":
            problems.append("%s: used more than %d s of CPU time (a hang or a quadratic pass)"
                            % (shown, timeout))
            continue
        if status == "timeout":
            problems.append("%s: blocked: no exit within %d s" % (shown, timeout * 20))
            continue
        if status < 0:
            problems.append("%s: killed by signal %d" % (shown, -status))
        elif status not in allowed:
            problems.append("%s: exit %d (allowed: %s): %s" % (
                shown, status, allowed, err.decode("utf-8", "replace")[-600:]))
        marker = bad_stderr(err)
        if marker:
            problems.append("%s: stderr has %r:\n%s" % (
                shown, marker, err.decode("utf-8", "replace")[-3000:]))
        if label == "check-json" and status in (0, 1):
            try:
                json.loads(out.decode("utf-8"))
            except ValueError as e:
                problems.append("%s: stdout is not valid JSON (%s)" % (shown, e))
        if label == "disasm" and status == 65 and not err.strip():
            problems.append("%s: exit 65 without a message on stderr" % shown)
        if label == "disasm" and status == 0 and not out.strip():
            problems.append("%s: exit 0 but no listing on stdout" % shown)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rbc")
    ap.add_argument("srcdir")
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--jobs", type=int, default=max(2, (os.cpu_count() or 2)))
    ap.add_argument("--max-seconds", type=float, default=300.0)
    ap.add_argument("--timeout", type=float, default=15.0,
                    help="CPU seconds per command; more is a hang (or a quadratic pass)")
    ap.add_argument("--save", default=os.path.join(tempfile.gettempdir(),
                                                   "rbc-hostile-failures"))
    ap.add_argument("--only", choices=["source", "bytecode"])
    ap.add_argument("--light", action="store_true",
                    help="no 1 MB / 100,000-line / long-chain cases (for valgrind)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    args.srcdir = os.path.abspath(args.srcdir)

    rbc_cmd = shlex.split(os.environ.get("RBC_WRAPPER", "")) + [os.path.abspath(args.rbc)]
    rng = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="rbc-hostile.")
    start = time.monotonic()
    failures, failed_cases = [], 0
    ran = skipped = 0
    counts = {}
    try:
        cases = []
        if args.only != "bytecode":
            cases.extend(source_cases(args, rng))
        if args.only != "source":
            cases.extend(bytecode_cases(args, rng, rbc_cmd, tmp, failures))

        def work(idx_case):
            idx, case = idx_case
            if time.monotonic() - start > args.max_seconds:
                return case, None, None
            ext = ".rbx" if case.kind == "bytecode" else ".rb"
            path = os.path.join(tmp, "c%05d%s" % (idx, ext))
            with open(path, "wb") as f:
                f.write(case.data)
            probs = judge(case, path, rbc_cmd, tmp, args.timeout)
            if not probs:
                os.unlink(path)
            return case, path, probs

        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for case, path, probs in pool.map(work, enumerate(cases)):
                if probs is None:
                    skipped += 1
                    continue
                ran += 1
                group = case.name.split("-")[0]
                counts[group] = counts.get(group, 0) + 1
                if probs:
                    failed_cases += 1
                    os.makedirs(args.save, exist_ok=True)
                    saved = os.path.join(args.save, case.name + os.path.splitext(path)[1])
                    shutil.copyfile(path, saved)
                    with open(saved + ".txt", "w") as f:
                        f.write("\n".join(probs) + "\n")
                    print("FAIL %s (saved as %s)" % (case.name, saved))
                    for p in probs:
                        print("    " + p.replace("\n", "\n    ")[:4000])
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL " + f)
    elapsed = time.monotonic() - start
    print("hostile: %d cases run (%s) in %.1f s; %d failed%s" % (
        ran, ", ".join("%s %d" % kv for kv in sorted(counts.items())), elapsed,
        failed_cases + len(failures),
        "; %d not run: --max-seconds %.0f reached" % (skipped, args.max_seconds)
        if skipped else ""))
    return 1 if failed_cases or failures else 0


if __name__ == "__main__":
    sys.exit(main())
