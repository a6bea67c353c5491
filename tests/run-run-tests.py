#!/usr/bin/env python3
"""run-run-tests.py: the `rbc run` tests (tests/run/*.rb).

Usage: run-run-tests.py RBC DIR [--update] [--cases-only] [CASE...]

RBC runs under $RBC_WRAPPER when it is set (valgrind with --enable-valgrind:
a memory error or a leak then makes rbc exit 99, which fails the case).

Each case is a runbook whose leading comment lines say how to run it and
what to expect:

    # args: --param x=1 --yes     extra arguments (shell-split) for `rbc run`
    # command: watch              the rbc command (default run)
    # env: NAME=VALUE             extra environment (repeatable)
    # format: jsonl               output format (default: plain)
    # clock: real                 the real clock (default: --clock=virtual)
    # exit: N                     expected exit status (default 0)
    # stderr: TEXT                stderr must contain TEXT (repeatable)
    # contains: TEXT              stdout must contain TEXT (repeatable)
    # absent: TEXT                neither stdout nor stderr may contain TEXT
    # marker: PATH                PATH must not exist after the run
    # min-seconds: S              the run takes at least S seconds of real time
    # max-seconds: S              ... at most S (times 10 under valgrind)

On the virtual clock the output is deterministic, so stdout must equal
<case>.out byte for byte (--update rewrites the .out files).  Runs happen in
DIR with the file's base name, HOME pointing at a scratch directory (with a
canary file that must survive), and stdin from /dev/null (no terminal).

Besides the cases, two process-level checks run here:
  - a secret never appears in any process's argv while a command that
    received it through env: runs (/proc/*/cmdline is scanned during the
    run; the child's /proc/PID/environ must hold it, which shows the scan
    looked at the right process);
  - SIGINT during a real-clock sleep ends the run with exit 130;
  - confirm on a terminal (a pseudo-terminal) asks "QUESTION [y/N]" on
    /dev/tty: "y" goes on, "n" halts the run (exit 2).
"""
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

SENTINEL = "sentinel-value-123"


def header(path):
    """The `# key: value` lines at the top of a case."""
    opts = {"args": [], "env": {}, "format": "plain", "clock": "virtual", "exit": 0,
            "command": "run",
            "stderr": [], "contains": [], "absent": [], "marker": [],
            "min-seconds": "0", "max-seconds": ""}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            key, sep, val = line[1:].strip().partition(":")
            if not sep or key not in opts:
                continue
            val = val.strip()
            if key == "args":
                opts["args"] += shlex.split(val)
            elif key == "env":
                name, _, v = val.partition("=")
                opts["env"][name] = v
            elif key == "exit":
                opts["exit"] = int(val)
            elif isinstance(opts[key], list):
                opts[key].append(val)
            else:
                opts[key] = val
    return opts


def scratch_home():
    """A throwaway HOME with a canary file (for the injection case)."""
    home = tempfile.mkdtemp(prefix="rbc-run-home-")
    with open(os.path.join(home, "canary"), "w", encoding="utf-8") as f:
        f.write("alive\n")
    return home


def base_env(home):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("RBC_PARAM_"):
            del env[k]
    env.update({"HOME": home, "NO_COLOR": "1", "LC_ALL": "C", "TERM": "dumb"})
    env.pop("CI", None)
    return env


def command(rbc, name, opts):
    cmd = shlex.split(rbc) + [opts.get("command", "run"), "-f", opts["format"]]
    if opts["clock"] != "real":
        cmd.append("--clock=virtual")
    return cmd + opts["args"] + [name]


def run_case(rbc, d, name, update):
    """Run one case; a list of failure messages (empty: passed)."""
    path = os.path.join(d, name)
    opts = header(path)
    home = scratch_home()
    env = base_env(home)
    env.update(opts["env"])
    for m in opts["marker"]:
        if os.path.exists(m):
            os.remove(m)
    t0 = time.monotonic()
    p = subprocess.run(command(rbc, name, opts), cwd=d, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=300)
    took = time.monotonic() - t0
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    fails = []
    if p.returncode != opts["exit"]:
        fails.append("exit %d, expected %d" % (p.returncode, opts["exit"]))
    if took < float(opts["min-seconds"]):
        fails.append("took %.2fs, less than %s" % (took, opts["min-seconds"]))
    slow = 10 if os.environ.get("RBC_WRAPPER") else 1
    if opts["max-seconds"] and took > float(opts["max-seconds"]) * slow:
        fails.append("took %.2fs, more than %s" % (took, opts["max-seconds"]))
    for t in opts["stderr"]:
        if t not in err:
            fails.append("stderr lacks %r" % t)
    for t in opts["contains"]:
        if t not in out:
            fails.append("stdout lacks %r" % t)
    for t in opts["absent"]:
        if t in out or t in err:
            fails.append("output contains %r" % t)
    for m in opts["marker"]:
        if os.path.exists(m):
            fails.append("%s was created" % m)
            os.remove(m)
    if not os.path.exists(os.path.join(home, "canary")):
        fails.append("the scratch HOME lost its canary file")
    subprocess.run(["rm", "-rf", home], check=False)
    expected = os.path.splitext(path)[0] + ".out"
    if opts["clock"] != "real":
        if update:
            with open(expected, "w", encoding="utf-8") as f:
                f.write(out)
        elif not os.path.exists(expected):
            fails.append("no %s" % os.path.basename(expected))
        else:
            with open(expected, encoding="utf-8") as f:
                want = f.read()
            if want != out:
                fails.append(diff(want, out))
    if fails and err:
        fails.append("stderr:\n" + err)
    return fails


def diff(want, got):
    import difflib
    lines = difflib.unified_diff(want.splitlines(True), got.splitlines(True), "expected", "got")
    return "stdout differs:\n" + "".join(lines)


def argv_scan_check(rbc, d):
    """A secret passed through env: never shows in any process's argv."""
    body = (
        'runbook "argv" {\n'
        '  secret s = env("S")\n'
        '  phase "p" {\n'
        '    step "sleeps" {\n'
        '      sh("sleep 1; echo rbc-argv-probe >/dev/null", env: {S: s})\n'
        '    }\n'
        '  }\n'
        '}\n')
    tmp = tempfile.mkdtemp(prefix="rbc-run-argv-")
    path = os.path.join(tmp, "argv.rb")
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)
    env = base_env(tmp)
    env["S"] = SENTINEL
    proc = subprocess.Popen(command(rbc, "argv.rb", {"format": "plain", "clock": "real",
                                                      "args": []}),
                            cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    leaked, child_seen, env_seen = [], False, False
    deadline = time.time() + 60
    while proc.poll() is None and time.time() < deadline:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    argv = f.read()
            except OSError:
                continue
            if SENTINEL.encode() in argv:
                leaked.append(argv.replace(b"\0", b" ").decode("utf-8", "replace"))
            if b"rbc-argv-probe" in argv:
                child_seen = True
                try:
                    with open("/proc/%s/environ" % pid, "rb") as f:
                        env_seen = env_seen or (b"S=" + SENTINEL.encode()) in f.read().split(b"\0")
                except OSError:
                    pass
        time.sleep(0.05)
    out, err = proc.communicate(timeout=120)
    subprocess.run(["rm", "-rf", tmp], check=False)
    fails = []
    if proc.returncode != 0:
        fails.append("argv run exited %s: %s" % (proc.returncode, err.decode(errors="replace")))
    if leaked:
        fails.append("secret in argv: %s" % leaked)
    if not child_seen:
        fails.append("the scan never saw the child command (scan is not working)")
    elif not env_seen:
        fails.append("the child's environment lacks S (the secret did not go through env:)")
    if SENTINEL.encode() in out + err:
        fails.append("secret in the run's output")
    return fails


def interrupt_check(rbc, d):
    """SIGINT while the run sleeps between attempts: exit 130, step reported."""
    body = (
        'runbook "interrupt" {\n'
        '  phase "p" {\n'
        '    step "long" {\n'
        '      retry 100 every 500ms { fail "down" }\n'
        '    }\n'
        '  }\n'
        '}\n')
    tmp = tempfile.mkdtemp(prefix="rbc-run-int-")
    with open(os.path.join(tmp, "int.rb"), "w", encoding="utf-8") as f:
        f.write(body)
    proc = subprocess.Popen(command(rbc, "int.rb", {"format": "plain", "clock": "real",
                                                     "args": []}),
                            cwd=tmp, env=base_env(tmp), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = b""
    deadline = time.time() + 60
    # wait for the first retry line, then interrupt
    os.set_blocking(proc.stdout.fileno(), False)
    while time.time() < deadline and b"retry 1/100" not in out:
        chunk = proc.stdout.read()
        if chunk:
            out += chunk
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    out += rest or b""
    subprocess.run(["rm", "-rf", tmp], check=False)
    fails = []
    if proc.returncode != 130:
        fails.append("interrupted run exited %s, expected 130" % proc.returncode)
    text = out.decode(errors="replace")
    for t in ("RB5009", "run INTERRUPTED"):
        if t not in text:
            fails.append("interrupted run output lacks %r:\n%s%s" % (t, text, err.decode()))
    return fails


def pty_run(argv, cwd, env, answer):
    """Run argv on a new pseudo-terminal; answer the [y/N] prompt.  (exit, output)."""
    import pty
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    out, answered = b"", False
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break                       # EIO: the child closed the terminal
        if not chunk:
            break
        out += chunk
        if not answered and b"[y/N]" in out:
            os.write(fd, answer.encode() + b"\n")
            answered = True
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def tty_confirm_check(rbc, d):
    """confirm on a terminal: asked on /dev/tty; y goes on (exit 0), n halts (exit 2)."""
    body = (
        'runbook "tty" {\n'
        '  phase "p" {\n'
        '    step "gate" {\n'
        '      confirm "Proceed with the rollback?"\n'
        '      log "went on"\n'
        '    }\n'
        '  }\n'
        '}\n')
    tmp = tempfile.mkdtemp(prefix="rbc-run-tty-")
    with open(os.path.join(tmp, "tty.rb"), "w", encoding="utf-8") as f:
        f.write(body)
    argv = command(rbc, "tty.rb", {"format": "plain", "clock": "virtual", "args": []})
    fails = []
    for answer, code, texts in (("y", 0, ("Proceed with the rollback? [y/N]",
                                          "gate yes by=tty", "log went on")),
                                ("n", 2, ("gate no by=tty", "HALTED"))):
        got, out = pty_run(argv, tmp, base_env(tmp), answer)
        if got != code:
            fails.append("answer %s: exit %s, expected %d:\n%s" % (answer, got, code, out))
        for t in texts:
            if t not in out:
                fails.append("answer %s: output lacks %r:\n%s" % (answer, t, out))
    subprocess.run(["rm", "-rf", tmp], check=False)
    return fails


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    update = "--update" in sys.argv
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    rbc, d = args[0], os.path.abspath(args[1])
    # cases run with cwd = DIR; RBC_WRAPPER is valgrind's command line (or empty)
    rbc = " ".join([os.environ.get("RBC_WRAPPER", ""), shlex.quote(os.path.abspath(rbc))])
    only = set(args[2:])
    cases = sorted(f for f in os.listdir(d) if f.endswith(".rb"))
    failed = 0
    for name in cases:
        if only and name not in only and os.path.splitext(name)[0] not in only:
            continue
        fails = run_case(rbc, d, name, update)
        print("%s %s" % ("ok  " if not fails else "FAIL", name))
        for f in fails:
            print("    " + f.replace("\n", "\n    "))
        failed += bool(fails)
    if not only and "--cases-only" not in sys.argv:
        for label, check in (("secret-not-in-argv", argv_scan_check),
                             ("sigint-exit-130", interrupt_check),
                             ("confirm-on-a-tty", tty_confirm_check)):
            fails = check(rbc, d)
            print("%s %s" % ("ok  " if not fails else "FAIL", label))
            for f in fails:
                print("    " + f.replace("\n", "\n    "))
            failed += bool(fails)
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
