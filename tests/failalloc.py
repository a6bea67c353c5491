#!/usr/bin/env python3
"""Allocation-failure injection: fail the Nth allocation, for every N.

usage: failalloc.py RBC SHIM SRCDIR [--full] [--budget K] [--jobs J] [--only NAME]

Each case below is a representative rbc command (check in two formats, a
check that finds errors, compile and disasm, fmt, run of a runbook with fns,
loops, interpolation, a shell command, params and a params file).  First it
runs once under the LD_PRELOAD shim SHIM (tests/failmalloc.c) counting the
allocation calls (C) and recording the normal exit status and stdout.  Then
it runs once for each N in 1..C with RBC_FAIL_ALLOC=N (that one call returns
NULL).  Every run must end in one of two ways:

  - as the normal run did (same status; for check/fmt/disasm the same stdout):
    the failure was absorbed (a library fell back, an optional cache);
  - exit 70 (EX_SOFTWARE, cli.md 10) with a message on stderr naming the
    problem ("out of memory", RB9001 or "internal error").  For `rbc run`
    also exit 1 (the failed allocation was inside a step: the step's error
    says "out of memory", the run is FAILED and resumable) and 74 (it was
    the journal writer's: the run stops as on any journal write failure).

Never a signal, a timeout, another status, a silent 70, or a sanitizer /
valgrind report (under ASan the leak checker is on: a leak on the error path
fails the case).  Without --full the N are a deterministic sample of at most
--budget per case (the first N up to 40, then every stride-th), which keeps CI fast;
--full (or FAILALLOC_FULL=1 in tests/failalloc.sh) tries every N.  Failing N
are listed with the command to reproduce them.  Exits 1 when any run failed.
"""

import argparse
import concurrent.futures
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

SMALL = '''runbook "small" {
  owner "ops"
  rto 15m
  param who = "ops"
  param count : int = 2
  secret token = env("FAILALLOC_TOKEN", "none")
  fn greet(n) {
    return "hello ${n}"
  }
  phase "p" {
    step "loop" {
      let xs = [1, 2, 3]
      let m = {a: 1, b: [true, null]}
      for x in xs {
        log greet(who) + " ${x} ${m.a}"
      }
      log json.encode(m)
      let r = sh("echo hi")
      log r.stdout
    }
    step "count" {
      assert count >= 2
    }
  }
}
'''

BAD = '''runbook "bad" {
  phase "p" {
    step "s" {
      log undefined_name
      let x = 1 +
      sh("rm -rf ${nothing}")
    }
  }
}
'''

MARKERS = ("failmalloc: fatal signal", "AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer",
           "Segmentation fault", "stack-overflow", "Assertion", "==ERROR", "Invalid read",
           "Invalid write", "definitely lost", "uninitialised")
OOM_WORDS = ("out of memory", "RB9001", "internal error", "Cannot allocate memory")


def cases(tmp):
    """(name, argv after rbc, compare stdout?)"""
    return [
        ("check-tty", ["check", "small.rb"], True),
        ("check-json", ["check", "-f", "json", "small.rb", "bad.rb"], True),
        ("check-sarif", ["check", "-f", "sarif", "small.rb", "bad.rb"], True),
        ("compile", ["compile", "-o", os.path.join(tmp, "out.rbx"), "small.rb"], True),
        ("disasm", ["disasm", "small.rb"], True),
        ("fmt", ["fmt", "--check", "small.rb"], True),
        ("run", ["run", "--param", "count=3", "--params-file", "params.json", "small.rb"], False),
    ]


def run(cmd, env, cwd, timeout):
    try:
        p = subprocess.run(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", b"", ""


def asan_build(rbc):
    """Is rbc linked with libasan (then ASan prints its own stack traces)?"""
    try:
        out = subprocess.run(["ldd", rbc], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             check=False).stdout
    except OSError:
        return False
    return b"libasan" in out


def where_of(err, rbc):
    """The rbc frames of the shim's 'failing this allocation' backtrace, as lines."""
    import re
    part = err.split("failmalloc: failing this allocation:", 1)
    if len(part) < 2:
        return "(no backtrace)"
    offs = re.findall(r"rbc\(\+(0x[0-9a-f]+)\)", part[1])[:6]
    if not offs:
        return "(outside rbc)"
    out = subprocess.run(["addr2line", "-f", "-s", "-e", rbc] + offs, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=False).stdout.decode().split("\n")
    return " < ".join("%s(%s)" % (out[i], out[i + 1]) for i in range(0, len(out) - 1, 2))


def sample(count, budget, full):
    if full or count <= budget:
        return list(range(1, count + 1))
    first = min(40, budget // 2)
    stride = max(1, (count - first) // max(1, budget - first))
    return list(range(1, first + 1)) + list(range(first + 1, count + 1, stride))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rbc")
    ap.add_argument("shim")
    ap.add_argument("srcdir")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--budget", type=int, default=150)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only")
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("--where", action="store_true",
                    help="for each failing N, show where that allocation was made")
    args = ap.parse_args()

    wrapper = shlex.split(os.environ.get("RBC_WRAPPER", ""))
    tmp = tempfile.mkdtemp(prefix="rbc-failalloc-")
    try:
        with open(os.path.join(tmp, "small.rb"), "w") as f:
            f.write(SMALL)
        with open(os.path.join(tmp, "bad.rb"), "w") as f:
            f.write(BAD)
        with open(os.path.join(tmp, "params.json"), "w") as f:
            f.write('{"who": "sre"}\n')
        for name in ("small.rb", "bad.rb", "params.json"):   # run refuses group-writable files
            os.chmod(os.path.join(tmp, name), 0o644)
        base_env = dict(os.environ)
        for k in ("RBC_OPTS", "RBC_CONFIG", "RBC_FORMAT", "RBC_COLOR"):
            base_env.pop(k, None)
        base_env.update({"NO_COLOR": "1", "LC_ALL": "C", "HOME": tmp,
                         "XDG_STATE_HOME": os.path.join(tmp, "state"),
                         "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
                         "RBC_TODAY": "2026-01-01", "FAILALLOC_TOKEN": "s3cr3t-fa"})
        asan = base_env.get("ASAN_OPTIONS")
        base_env["ASAN_OPTIONS"] = ((asan + ":") if asan else "") + "verify_asan_link_order=0"
        base_env["LD_PRELOAD"] = os.path.abspath(args.shim)
        if not asan_build(args.rbc):
            base_env["RBC_FAIL_ALLOC_TRACE"] = "1"

        failures = []
        total = 0
        for name, argv, same_out in cases(tmp):
            if args.only and name != args.only:
                continue
            cmd = wrapper + [os.path.abspath(args.rbc)] + argv
            env = dict(base_env)
            cfile = os.path.join(tmp, "count-" + name)
            env["RBC_FAIL_ALLOC_COUNT"] = cfile
            env["RBC_STATE_DIR"] = os.path.join(tmp, "state", "count")
            status0, out0, err0 = run(cmd, env, tmp, args.timeout)
            try:
                with open(cfile) as f:
                    count = int(f.read().strip())
            except (OSError, ValueError):
                failures.append("%s: the counting run wrote no count (status %s): %s"
                                % (name, status0, err0[-500:]))
                continue
            if status0 not in (0, 1) or any(m in err0 for m in MARKERS):
                failures.append("%s: the normal run failed (status %s): %s"
                                % (name, status0, err0[-800:]))
                continue
            ns = sample(count, args.budget, args.full)

            # run: a failed allocation inside a step is that step's error
            # (RB5011/RB9001 "out of memory"), so the run ends FAILED (1) and
            # resumable; inside the journal writer it is a journal write
            # failure (74, resumable); elsewhere 70
            oom_status = (1, 70, 74) if argv[0] == "run" else (70,)

            def one(n, cmd=cmd, status0=status0, out0=out0, same_out=same_out, name=name,
                    oom_status=oom_status):
                e = dict(base_env)
                e["RBC_FAIL_ALLOC"] = str(n)
                # each run its own state directory: runs in parallel must not
                # meet on the run lock (exit 75) of the same journal
                e["RBC_STATE_DIR"] = os.path.join(tmp, "state", str(n))
                st, out, err = run(cmd, e, tmp, args.timeout)
                why = None
                if any(m in err for m in MARKERS):
                    why = "sanitizer/valgrind report"
                elif st == status0:
                    if same_out and out != out0:
                        why = "same status %s but different output" % st
                elif st in oom_status:
                    said = err + out.decode("utf-8", "replace")
                    if not any(w in said for w in OOM_WORDS):
                        why = "exit %s without an out-of-memory message" % st
                else:
                    why = "exit %s (normal %s, or %s)" % (
                        st, status0, "/".join(str(x) for x in oom_status))
                if why is None:
                    return None
                repro = "cd %s && RBC_FAIL_ALLOC=%d LD_PRELOAD=%s %s" % (
                    tmp, n, args.shim, " ".join(shlex.quote(c) for c in cmd))
                where = ""
                if args.where:
                    e["RBC_FAIL_ALLOC_WHERE"] = "1"
                    where = "\n    allocated at: " + where_of(run(cmd, e, tmp, args.timeout)[2],
                                                            args.rbc)
                tail = out.decode("utf-8", "replace").strip()[-400:].replace("\n", "\n    ")
                return "%s N=%d/%d: %s\n    %s\n    stderr: %s\n    stdout: ...%s%s" % (
                    name, n, count, why, repro, err.strip()[-600:].replace("\n", "\n    "),
                    tail, where)

            with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
                bad = [r for r in ex.map(one, ns) if r is not None]
            total += len(ns)
            print("%-10s %5d allocations, %4d tried, %d failed" % (name, count, len(ns), len(bad)))
            failures.extend(bad)
        for f in failures:
            print("FAIL " + f)
        print("%d runs, %d failures" % (total, len(failures)))
        return 1 if failures else 0
    finally:
        if not os.environ.get("FAILALLOC_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
