#!/usr/bin/env python3
"""Resource limits of rbc (docs/security.md "Limits"), as tests.

usage: limits.py RBC [--depth N] [--no-callgrind] [--no-ulimit]

1. Nesting: expressions and blocks nested N deep (default 1,000,000) and
   operator/postfix chains N long (a shallow grammar, a deep tree) are
   RB1009 for `rbc check` (exit 1) and `rbc run` (exit 65), never a stack
   overflow.
2. Recursion: runaway and mutual recursion in rbc code is RB5011 "recursion
   too deep" (exit 1); values nested 100,000 deep at run time are RB5011
   where they are encoded, compared or formatted, and freeing them does not
   overflow the stack.
3. Sizes: a command's output is kept up to 1 MiB per stream; range() above
   its limit is an error; a string growing without end stops at the memory
   limit with RB9001 out of memory (exit 70), not a crash (under
   `ulimit -v`; skipped under ASan and valgrind, which need the address space).
4. CPU time of `check` is linear in the input: for three shapes of runbook
   (many fns and steps; many diagnostics; long lines and big literals) at
   sizes n, 2n, 4n, the extra instructions (valgrind --tool=callgrind, exact
   and repeatable counts, no clock) from 2n to 4n are less than 3 times those
   from n to 2n (linear: 2; quadratic: 4).  Skipped without valgrind or
   under ASan.

Exits 1 with the failures listed.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

MARKERS = ("AddressSanitizer", "runtime error:", "LeakSanitizer", "stack-overflow",
           "Segmentation fault", "==ERROR", "Invalid read", "Invalid write")

failures = []


def step_rb(body, name="lim"):
    return 'runbook "%s" {\n  phase "p" {\n    step "s" {\n%s\n    }\n  }\n}\n' % (name, body)


def run(cmd, tmp, timeout=600, env=None, stdin=None):
    try:
        p = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=env, stdin=stdin or subprocess.DEVNULL)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8",
                                                                                  "replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", ""


def expect(what, got, status, needle):
    st, out, err = got
    both = out + err
    if any(m in err for m in MARKERS):
        failures.append("%s: sanitizer/valgrind report: %s" % (what, err[-800:]))
    elif st != status:
        failures.append("%s: exit %s, expected %s: %s" % (what, st, status, both[-600:]))
    elif needle and needle not in both:
        failures.append("%s: output lacks %r: %s" % (what, needle, both[-600:]))


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return name


def nesting(rbc, tmp, n):
    deep = {
        "parens": "      let x = " + "(" * n + "1" + ")" * n,
        "unary-minus": "      let x = " + "-" * n + "1",
        "not": "      let x = " + "not " * n + "true",
        "lists": "      let x = " + "[" * n + "]" * n,
        "maps": "      let x = " + "{a: " * n + "1" + "}" * n,
        "blocks": "      let c = true\n" + "if c {\n" * n + "log 1\n" + "}\n" * n,
        "plus-chain": "      let x = 1\n      log " + " + ".join(["x"] * n),
        "and-chain": "      log " + " and ".join(["true"] * n),
        "member-chain": "      let x = {}\n      log x" + ".a" * n,
        "index-chain": "      let x = [1]\n      log x" + "[0]" * n,
        "call-chain": "      log len" + "()" * n,
    }
    for name, body in deep.items():
        f = write(tmp, "deep-%s.rb" % name, step_rb(body))
        expect("check %s x%d" % (name, n), run(rbc + ["check", "-f", "gcc", f], tmp), 1,
               "RB1009")
        expect("run %s x%d" % (name, n), run(rbc + ["run", f], tmp), 65, "RB1009")
    print("ok   nesting and chains %d deep: RB1009 from check (1) and run (65)" % n)


def recursion(rbc, tmp, vdepth):
    f = write(tmp, "rec.rb", 'runbook "rec" {\n  fn f() {\n    return f()\n  }\n'
              '  phase "p" {\n    step "s" { log f() }\n  }\n}\n')
    expect("runaway recursion", run(rbc + ["run", f], tmp), 1, "recursion too deep")
    f = write(tmp, "mutual.rb", 'runbook "mutual" {\n  fn a(n) {\n    return b(n + 1)\n  }\n'
              '  fn b(n) {\n    return a(n + 1)\n  }\n'
              '  phase "p" {\n    step "s" { log a(0) }\n  }\n}\n')
    expect("mutual recursion", run(rbc + ["run", f], tmp), 1, "recursion too deep")
    build = ("      let x = []\n      for i in range(0, %d) {\n        x = [x]\n      }\n" % vdepth)
    for name, use, status, needle in [
            ("len", "      log len(x)", 0, None),
            ("display", "      log x", 0, None),
            ("json", "      log json.encode(x)", 1, "deeper than"),
            ("equal", "      log x == [x]", 1, "deeper than"),
            ("interpolate", '      log "${x}"', 1, "RB5011")]:
        f = write(tmp, "deepval-%s.rb" % name, step_rb(build + use))
        expect("value %d deep: %s" % (vdepth, name), run(rbc + ["run", f], tmp), status,
               needle)
    print("ok   recursion: RB5011 at the frame limit; values %d deep: bounded, freed" % vdepth)


def sizes(rbc, tmp, ulimit):
    f = write(tmp, "shout.rb", step_rb('      let r = sh("head -c 3000000 /dev/zero | tr \'\\\\0\' a")\n'
                                       '      log len(r.stdout)'))
    expect("shell output 3 MB", run(rbc + ["run", f], tmp), 0, "1048576")
    f = write(tmp, "range.rb", step_rb("      for i in range(0, 100000000) { log i }"))
    expect("range above its limit", run(rbc + ["run", f], tmp), 1, "range")
    if ulimit:
        f = write(tmp, "grow.rb", step_rb('      let s = "a"\n'
                                          "      for i in range(0, 64) { s = s + s }\n"
                                          "      log len(s)"))
        cmd = "ulimit -v 600000 && exec %s run %s" % (" ".join(shlex.quote(c) for c in rbc), f)
        expect("string doubling 64 times under ulimit -v 600 MB", run(["sh", "-c", cmd], tmp), 70,
               "out of memory")
    print("ok   sizes: sh output kept to 1 MiB, range() limit%s" %
          (", runaway string -> RB9001 exit 70" if ulimit else ""))


def shape_fns(n):
    out = ['runbook "big" {', '  owner "ops"', "  rto 15m"]
    for i in range(n):
        out.append('  fn f%d(a, b) {\n    let x%d = a + b * %d\n    if x%d > 10 { return "v${x%d}" }\n'
                   "    return f%d(a, b)\n  }" % (i, i, i, i, i, max(i - 1, 0)))
    out.append('  phase "p" {')
    for i in range(n):
        out.append('    step "s%d" {\n      let r = f%d(1, 2)\n      log "r=${r}"\n'
                   '      sh("echo %d")\n    }' % (i, i, i))
    out.append("  }\n}\n")
    return "\n".join(out)


def shape_errors(n):
    body = "\n".join("      log undefined_%d + %d" % (i, i) for i in range(n))
    return step_rb(body)


def shape_long(n):
    items = ", ".join('"item-%d"' % i for i in range(n))
    text = "x" * (n * 20)
    return step_rb('      let big = [%s]\n      let s = "%s"\n      log len(big), len(s)'
                   % (items, text))


def instructions(rbc_bin, path, tmp):
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        rbc_bin, "check", "-f", "quiet", path], cwd=tmp,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    m = re.search(r"Collected : (\d+)", p.stderr.decode("utf-8", "replace"))
    if not m:
        raise RuntimeError("callgrind gave no count: %s" % p.stderr.decode()[-400:])
    return int(m.group(1))


def linear(rbc_bin, tmp):
    for name, gen, base in [("fns+steps", shape_fns, 400), ("diagnostics", shape_errors, 2000),
                            ("long lines", shape_long, 8000)]:
        counts = []
        for k in (1, 2, 4):
            f = write(tmp, "lin-%s-%d.rb" % (name.replace(" ", "_").replace("+", "_"), k),
                      gen(base * k))
            counts.append(instructions(rbc_bin, f, tmp))
        d1, d2 = counts[1] - counts[0], counts[2] - counts[1]
        ratio = d2 / d1 if d1 > 0 else float("inf")
        print("     check %-12s n=%d: %d, %d, %d instructions; growth ratio %.2f"
              % (name, base, counts[0], counts[1], counts[2], ratio))
        if not 0 < ratio < 3.0:
            failures.append("check is not linear on %s: instructions %s, (I4-I2)/(I2-I1) = %.2f"
                            % (name, counts, ratio))
    print("ok   check's instruction count grows linearly (ratio < 3 per doubling)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rbc")
    ap.add_argument("--depth", type=int, default=1000000)
    ap.add_argument("--value-depth", type=int, default=100000)
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--no-ulimit", action="store_true")
    args = ap.parse_args()
    rbc = shlex.split(os.environ.get("RBC_WRAPPER", "")) + [os.path.abspath(args.rbc)]
    tmp = tempfile.mkdtemp(prefix="rbc-limits-")
    env_state = os.path.join(tmp, "state")
    os.environ["RBC_STATE_DIR"] = env_state
    try:
        nesting(rbc, tmp, args.depth)
        recursion(rbc, tmp, args.value_depth)
        sizes(rbc, tmp, not args.no_ulimit)
        if args.no_callgrind or shutil.which("valgrind") is None:
            print("skip linear-time check (no valgrind, or disabled)")
        else:
            linear(os.path.abspath(args.rbc), tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
