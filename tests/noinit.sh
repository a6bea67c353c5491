#!/bin/sh
# tests/noinit.sh: a runbook that uses no network costs no network set-up.
# `rbc check`, `rbc compile` and `rbc run` of a local-only runbook (shell,
# files, JSON, waits, retries, an import) are traced with
#   strace -f -e trace=socket,connect,openat
# and must create no socket, connect nowhere and open no TLS certificate
# store, OpenSSL configuration, curl or AWS file.  Loading the shared
# libraries themselves (libcurl.so, libcrypto.so) is the dynamic linker's
# work and allowed; initialising them is not.
# rbc runs directly, not under $RBC_WRAPPER: valgrind under strace would only
# trace valgrind.  Skipped (77) without strace or where ptrace is denied.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

command -v strace >/dev/null 2>&1 || skip "strace is not installed (scripts/setup.sh installs it)"
strace -f -qq -e trace=openat -o "$TMPD/probe" true 2>/dev/null ||
  skip "strace cannot trace here (ptrace denied?)"

mkdir -p "$TMPD/work/lib"
cat >"$TMPD/work/lib/local.rb" <<'EOF'
fn twice(x) {
  return x * 2
}
EOF
cat >"$TMPD/work/local.rb" <<'EOF'
import "lib/local.rb"
import "ops.rb"
runbook "local-only" {
  owner "team-test"
  rto   5m
  param name = "world"
  secret token = env("NOINIT_TOKEN", "t0k3n")
  phase "p" within 1m {
    step "shell and files" {
      let r = sh("echo hello ${name}", env: {TOKEN: token})
      write_file("out.json", json.encode({greeting: first_line(r.stdout), n: twice(21)}))
      let back = json.parse(read_file("out.json"))
      assert back.n == 42
      assert len(glob("*.json")) == 1
      remove("out.json")
    }
    step "time" retry 3 every 1s {
      let t0 = now()
      wait until now() - t0 >= 2s every 1s timeout 10s
      assert percent(1, 4) == 25%
    }
    step "skipped" when env("NOINIT_NEVER") != null {
      sh "false"
    }
  }
}
EOF

# trace NAME CMD...: run CMD under strace into $TMPD/NAME.trace; fail unless it exits 0.
# LeakSanitizer cannot run under ptrace: in an ASan build it is switched off
# for the traced runs (the rest of the suite checks for leaks).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
trace() {
  name=$1
  shift
  set +e
  (cd "$TMPD/work" && strace -f -qq -e trace=socket,connect,openat \
    -o "$TMPD/$name.trace" "$@" >"$TMPD/$name.out" 2>&1)
  st=$?
  set -e
  if [ "$st" -ne 0 ]; then
    cat "$TMPD/$name.out" >&2
    fail "'$*' exited $st under strace"
  fi
}

# check_trace NAME: the trace holds no socket, no connect and no TLS/curl/AWS file.
check_trace() {
  t=$TMPD/$1.trace
  [ -s "$t" ] || fail "$1: empty trace"
  grep -q 'openat(.*local\.rb' "$t" || fail "$1: the trace does not show the runbook being read"
  if grep -E '(^|[^_a-z])(socket|connect)\(' "$t" >"$TMPD/bad"; then
    cat "$TMPD/bad" >&2
    fail "$1: rbc created a socket or connected somewhere"
  fi
  if grep 'openat(' "$t" | grep -v '\.so[.0-9]*"' |
      grep -Ei 'ssl|openssl|/etc/pki|ca-cert|ca-bundle|\.pem"|/certs|curl|/\.aws/' \
      >"$TMPD/bad"; then
    cat "$TMPD/bad" >&2
    fail "$1: rbc opened a TLS, curl or AWS file"
  fi
}

trace check "$RBC" check local.rb
check_trace check
trace compile "$RBC" compile local.rb -o local.rbx
check_trace compile
trace run "$RBC" run --clock=virtual --param name=test local.rb
check_trace run
grep -q 'run PASSED' "$TMPD/run.out" || { cat "$TMPD/run.out" >&2; fail "the run did not pass"; }
# strace -f followed the shell command too: the trace names two processes or more
[ "$(awk '{ print $1 }' "$TMPD/run.trace" | sort -u | wc -l)" -ge 2 ] ||
  fail "the trace shows no child process: was -f in effect?"
echo "ok: check, compile and run of a local runbook open no socket and no TLS/curl/AWS file"
