#!/bin/sh
# bench/http.sh [RBC]: the cost of rbc's HTTP checks against the tools a
# user would otherwise use, on 127.0.0.1 (bench/README.md "HTTP"):
#   (a) 200 sequential `assert http 200` (one runbook) against nginx, vs a
#       bash loop of 200 `curl -s -o /dev/null -w '%{http_code}'` processes
#       (target: rbc >= 10x faster) and vs one curl process fetching the URL
#       200 times over one connection (target: within 1.2x);
#   (b) 100 `assert http 200` in `parallel for` vs the same 100 sequentially,
#       against an endpoint answering after 20 ms (tests/servers/httpd.py
#       /delay/20) (target: parallel >= 10x faster; needs real fibers);
#   (c) http.bench(requests: 20000, concurrency: 10) vs `ab -k -n 20000 -c 10`
#       and `wrk -t1 -c10` (targets: >= ab's requests/s, >= 0.7x wrk's).
# Prints the medians and the ratios from one run.
#
# nginx (Debian's), ab (apache2-utils) and wrk are bench-only: installed here
# with apt-get when missing and allowed (root).  nginx runs as the current
# user with a temporary config, its own prefix and no access log.
# RBC defaults to $RBC, then build-bench/rbc, then build/rbc.  Environment:
# RUNS (hyperfine runs, default 10), REQUESTS (for c, default 20000),
# ROUNDS (rounds of c, default 5), ONLY=c (run c alone).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
rbc=${1:-${RBC:-}}
if [ -z "$rbc" ]; then
  rbc=$top/build-bench/rbc
  [ -x "$rbc" ] || rbc=$top/build/rbc
fi
runs=${RUNS:-10}
requests=${REQUESTS:-20000}
py=/usr/bin/python3

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 &&
      apt-get install -y "$2" >/dev/null 2>&1; } || true
  fi
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || {
    echo "http bench: $1 not found (apt-get install $2)" >&2; exit 77; }
}
need nginx nginx
need ab apache2-utils
need wrk wrk
need hyperfine hyperfine
need curl curl
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$rbc" ] || { echo "http bench: no rbc binary at '$rbc'" >&2; exit 77; }
rbc=$(cd "$(dirname "$rbc")" && pwd)/$(basename "$rbc")

work=$(mktemp -d "${TMPDIR:-/tmp}/rbc-http-bench.XXXXXX")
pids=
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work" "${jshm:-}"
}
trap cleanup EXIT
mkdir "$work/journal" "$work/tmp"
# A second journal directory on tmpfs for (a): a run fsyncs its journal at
# each phase and step boundary (6 times here), which on a disk costs more
# than the 200 checks themselves; the tmpfs row shows what rbc itself costs.
shm=/dev/shm
{ [ -d "$shm" ] && [ -w "$shm" ]; } || shm=$work
jshm=$(mktemp -d "$shm/rbc-http-bench-j.XXXXXX")

# {==== servers ====
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user_line=
[ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);"
cat >"$work/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    location = /health { default_type text/plain; return 200 "ok\n"; }
  }
}
EOF
"$nginx" -p "$work" -c "$work/nginx.conf" || { cat "$work/error.log" >&2; exit 1; }
url=http://127.0.0.1:$port/health
i=0
until curl -s -o /dev/null "$url"; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "http bench: nginx did not start" >&2; exit 1; }
  sleep 0.05
done
"$py" "$top/tests/servers/httpd.py" --port-file "$work/slow.port" --lifetime 900 >/dev/null &
pids="$pids $!"
until [ -s "$work/slow.port" ]; do sleep 0.05; done
slow=http://127.0.0.1:$(cat "$work/slow.port")
# }====

# median NAME: hyperfine's median (seconds) from $work/NAME.json.
median() {
  "$py" -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' \
    "$work/$1.json"
}
ratio() {
  "$py" -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"
}
hf() {
  name=$1
  shift
  hyperfine -N --style none --runs "$runs" --warmup 1 --export-json "$work/$name.json" "$@" \
    >/dev/null 2>&1 || hyperfine --style none --runs "$runs" --warmup 1 \
    --export-json "$work/$name.json" "$@" >/dev/null
}

if [ "${ONLY:-}" != c ]; then
# {==== (a) 200 sequential checks ====
cat >"$work/seq.rb" <<EOF
runbook "http-seq" {
  phase "p" {
    step "checks" {
      for i in range(0, 200) {
        assert http 200 "$url"
      }
    }
  }
}
EOF
{
  echo 'for i in $(seq 200); do'
  echo "  c=\$(curl -s -o /dev/null -w '%{http_code}' '$url')"
  echo '  [ "$c" = 200 ] || exit 1'
  echo 'done'
} >"$work/curl-loop.sh"
args=
i=0
while [ $i -lt 200 ]; do args="$args -o /dev/null $url"; i=$((i + 1)); done
echo "curl -s -f$args" >"$work/curl-one.sh"
"$rbc" run -f plain --journal-dir "$work/journal" "$work/seq.rb" >/dev/null \
  || { echo "http bench: the runbook failed" >&2; exit 1; }
hf a-rbc "$rbc run -f plain --journal-dir $work/journal $work/seq.rb"
hf a-rbcshm "$rbc run -f plain --journal-dir $jshm $work/seq.rb"
hyperfine --style none --runs "$runs" --warmup 1 --export-json "$work/a-loop.json" \
  "bash $work/curl-loop.sh" >/dev/null
hyperfine --style none --runs "$runs" --warmup 1 --export-json "$work/a-one.json" \
  "sh $work/curl-one.sh" >/dev/null
a_rbc=$(median a-rbc)
a_rbcshm=$(median a-rbcshm)
a_loop=$(median a-loop)
a_one=$(median a-one)
echo "(a) 200 sequential checks of $url (medians of $runs runs)"
echo "    rbc assert http x200 : ${a_rbc}s (journal on disk), ${a_rbcshm}s (journal on tmpfs)"
echo "    bash + 200 curl      : ${a_loop}s   rbc is $(ratio "$a_loop" "$a_rbc")x faster (target >= 10)"
echo "    one curl, 200 URLs   : ${a_one}s   rbc / curl = $(ratio "$a_rbcshm" "$a_one") with the journal on tmpfs (target <= 1.2), $(ratio "$a_rbc" "$a_one") on disk"
# }====

# {==== (b) parallel vs sequential, 20 ms endpoint ====
for mode in par seq; do
  if [ $mode = par ]; then kw="parallel for"; else kw="for"; fi
  cat >"$work/b-$mode.rb" <<EOF
runbook "http-$mode" {
  phase "p" {
    step "checks" {
      $kw i in range(0, 100) {
        assert http 200 "$slow/delay/20?n=\${i}"
      }
    }
  }
}
EOF
done
brun=$((runs < 5 ? runs : 5))
hyperfine --style none --runs "$brun" --warmup 1 --export-json "$work/b-par.json" \
  "$rbc run -f plain --journal-dir $work/journal $work/b-par.rb" >/dev/null
hyperfine --style none --runs "$brun" --warmup 1 --export-json "$work/b-seq.json" \
  "$rbc run -f plain --journal-dir $work/journal $work/b-seq.rb" >/dev/null
b_par=$(median b-par)
b_seq=$(median b-seq)
echo "(b) 100 checks of a 20 ms endpoint (medians of $brun runs)"
echo "    parallel for : ${b_par}s"
echo "    sequential   : ${b_seq}s   parallel is $(ratio "$b_seq" "$b_par")x faster (target >= 10)"
# }====
fi

# {==== (c) http.bench vs ab and wrk ====
cat >"$work/bench.rb" <<EOF
runbook "http-bench" {
  phase "p" {
    step "bench" {
      let b = http.bench("$url", requests: $requests, concurrency: 10)
      assert b.failed == 0
      log "rps", b.rps
    }
  }
}
EOF
# ROUNDS rounds, each running rbc, ab and wrk back to back (the same load on
# the machine for the three): every round is printed, then the median of
# each tool and the medians of the per-round ratios.
rounds=${ROUNDS:-5}
: >"$work/c.txt"
r=0
while [ $r -lt "$rounds" ]; do
  c_rbc=$("$rbc" run -f plain --journal-dir "$work/journal" "$work/bench.rb" \
    | sed -n 's/.* log rps \([0-9.]*\).*/\1/p')
  c_ab=$(ab -q -k -n "$requests" -c 10 "$url" 2>/dev/null \
    | sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p')
  c_wrk=$(wrk -t1 -c10 -d5s "$url" 2>/dev/null | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
  echo "${c_rbc:-0} ${c_ab:-0} ${c_wrk:-0}" >>"$work/c.txt"
  r=$((r + 1))
done
cat >"$work/c.py" <<'EOF'
import statistics, sys
rows = [[float(x) for x in line.split()] for line in open(sys.argv[1])]
med = statistics.median
def div(a, b):
    return a / b if b > 0 else 0.0
print("(c) %s requests, 10 at a time, keep-alive (%d rounds of rbc, ab, wrk back to back)"
      % (sys.argv[2], len(rows)))
for x in rows:
    print("    round: rbc %6.0f  ab %6.0f  wrk %6.0f req/s   rbc/ab %.2f  rbc/wrk %.2f"
          % (x[0], x[1], x[2], div(x[0], x[1]), div(x[0], x[2])))
rbc, ab, wrk = (med([x[i] for x in rows]) for i in range(3))
print("    rbc http.bench : %.0f req/s (median)" % rbc)
print("    ab -k          : %.0f req/s   rbc / ab = %.2f, median of the rounds (target >= 1)"
      % (ab, med([div(x[0], x[1]) for x in rows])))
print("    wrk -t1 -c10   : %.0f req/s   rbc / wrk = %.2f, median of the rounds (target >= 0.7)"
      % (wrk, med([div(x[0], x[2]) for x in rows])))
EOF
"$py" "$work/c.py" "$work/c.txt" "$requests"
# }====
