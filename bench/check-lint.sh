#!/bin/sh
# bench/check-lint.sh: `rbc check` over N generated runbooks against the
# Ansible linters over N equivalent playbooks (bench/gen_check_inputs.py):
#
#   rbc check -f gcc --no-config rb/             every rule, one process
#   ansible-playbook --syntax-check pb/*.yml     YAML + playbook structure only
#   ansible-lint --offline pb/                   ansible-lint's default rules
#
# usage: bench/check-lint.sh [path/to/rbc]        (default: $RBC, then build/rbc)
#        N=1000 RUNS=5 ANSIBLE_RUNS=1 bench/check-lint.sh build/rbc
#
# The Debian packages ansible-lint and ansible-core are installed here when
# missing (as root; CI does not run this script).  Prints the median wall
# time of each command, files per second, and each tool's time as a multiple
# of rbc's.  Build rbc without --enable-debug first (-O2).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
RBC=${1:-${RBC:-$here/../build/rbc}}
N=${N:-1000}
RUNS=${RUNS:-5}
ANSIBLE_RUNS=${ANSIBLE_RUNS:-1}

[ -x "$RBC" ] || { echo "check-lint: no rbc at '$RBC' (build first)" >&2; exit 1; }
RBC=$(cd "$(dirname "$RBC")" && pwd)/$(basename "$RBC")
if ! command -v ansible-lint >/dev/null 2>&1 || ! command -v ansible-playbook >/dev/null 2>&1
then
  if [ "$(id -u)" -ne 0 ]; then
    echo "check-lint: needs the Debian packages ansible-lint and ansible-core (run as root" \
         "to install them)" >&2
    exit 77
  fi
  apt-get install -y ansible-lint ansible-core >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rbc-check-lint.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_check_inputs.py" "$work" "$N"
cd "$work"
# Ansible keeps its caches out of the user's home for the run.
HOME=$work/home
ANSIBLE_LOCAL_TEMP=$work/home/tmp
mkdir -p "$ANSIBLE_LOCAL_TEMP"
export HOME ANSIBLE_LOCAL_TEMP

python3 - "$RBC" "$N" "$RUNS" "$ANSIBLE_RUNS" <<'PY'
import glob, statistics, subprocess, sys, time

rbc, n, runs, aruns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
playbooks = sorted(glob.glob("pb/*.yml"))
cmds = [
    ("rbc check", [rbc, "check", "-f", "gcc", "--no-config", "rb"], runs, (0, 1)),
    ("ansible-playbook --syntax-check", ["ansible-playbook", "--syntax-check"] + playbooks,
     aruns, (0,)),
    ("ansible-lint --offline", ["ansible-lint", "--offline", "--nocolor", "pb"], aruns, (0, 2)),
]
results = []
for name, argv, k, ok in cmds:
    times, out = [], b""
    for _ in range(k):
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        times.append(time.perf_counter() - t0)
        out = p.stdout
        if p.returncode not in ok:
            sys.stderr.write(out.decode("utf-8", "replace")[-2000:])
            sys.exit("check-lint: %s exited %d" % (name, p.returncode))
    findings = out.count(b"\n")
    results.append((name, statistics.median(times), k, findings))
base = results[0][1]
print("%d runbooks / %d playbooks, median of the runs (load: %s)"
      % (n, len(playbooks), open("/proc/loadavg").read().split()[0]))
print("%-34s %5s %10s %10s %8s %14s" % ("command", "runs", "seconds", "files/s",
                                          "x rbc", "output lines"))
for name, t, k, lines in results:
    print("%-34s %5d %10.3f %10.0f %8.1f %14d" % (name, k, t, n / t, t / base, lines))
PY
