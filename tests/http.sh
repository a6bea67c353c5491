#!/bin/sh
# tests/http.sh: the HTTP built-ins and `assert http` against real servers
# (tests/servers/httpd.py) on 127.0.0.1: reply fields, methods, redirects,
# JSON and header checks, retry on the virtual clock, every network error
# code (RB5012-RB5019), secrets never printed, TLS with certificates made
# here by the openssl CLI, http.bench and its keep-alive connections, and
# `parallel for` over 100 endpoints.  Runbooks: tests/http/*.rb.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

PY=/usr/bin/python3
HERE=$top_srcdir/tests/http
[ -x "$PY" ] || skip "needs /usr/bin/python3"
command -v openssl >/dev/null 2>&1 || skip "needs the openssl command (scripts/setup.sh)"

PIDS=
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$TMPD"
}
trap cleanup EXIT

# start NAME [httpd.py options]: start a server; its port is in $TMPD/NAME.port.
start() {
  name=$1
  shift
  "$PY" "$top_srcdir/tests/servers/httpd.py" --port-file "$TMPD/$name.port" \
    --log "$TMPD/$name.log" --lifetime 300 "$@" >/dev/null 2>"$TMPD/$name.err" &
  PIDS="$PIDS $!"
  i=0
  while [ ! -s "$TMPD/$name.port" ]; do
    i=$((i + 1))
    [ $i -lt 200 ] || fail "server $name did not start: $(cat "$TMPD/$name.err")"
    sleep 0.05
  done
}

# run CASE EXIT [rbc run options]: run tests/http/CASE.rb; output in $TMPD/CASE.{out,err}.
run() {
  case_=$1
  want=$2
  shift 2
  set +e
  rbc run --clock=virtual --journal-dir "$TMPD/journal" "$@" "$HERE/$case_.rb" \
    >"$TMPD/$case_.out" 2>"$TMPD/$case_.err"
  got=$?
  set -e
  if [ "$got" -ne "$want" ]; then
    cat "$TMPD/$case_.out" "$TMPD/$case_.err" >&2
    fail "$case_: exit $got, expected $want"
  fi
}

# has CASE TEXT: the case's output holds TEXT.
has() {
  grep -qF -- "$2" "$TMPD/$1.out" || { cat "$TMPD/$1.out" >&2; fail "$1: no '$2' in the output"; }
}

# requests LOG PATH-PREFIX: how many requests the server logged for paths starting so.
requests() {
  "$PY" -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["path"].startswith(sys.argv[2])))' "$1" "$2"
}

mkdir "$TMPD/journal"
[ -z "${KEEP:-}" ] || echo "keeping $TMPD" >&2
start plain
BASE=http://127.0.0.1:$(cat "$TMPD/plain.port")

# {==== replies, methods, redirects, checks that hold ====
run reply 0 --param base="$BASE"
has reply 'action http GET http://127.0.0.1'
has reply 'action http POST '
has reply 'run PASSED'
echo "ok: reply fields, methods, redirects, assert http checks"
# }====

# {==== retry on the virtual clock ====
run retry 0 --param base="$BASE" -f jsonl
n=$(grep -c '"type":"retry".*"step":"Health"' "$TMPD/retry.out" || true)
[ "$n" -eq 2 ] || fail "retry: $n retry events for Health, expected 2"
[ "$(requests "$TMPD/plain.log" /seq/503,503,200/health)" -eq 3 ] || fail "retry: not 3 requests"
grep -q '"type":"step_end".*"step":"Health".*"status":"pass"' "$TMPD/retry.out" \
  || fail "retry: Health did not pass"
grep -q '"code":"RB5004","message":"retries exhausted (3 of 3, every 5s): GET http://127.0.0.1:1/refused: connection refused' "$TMPD/retry.out" \
  || fail "retry: the refused request did not exhaust its retries (RB5004)"
n=$(grep -c '"type":"action".*"status":"refused"' "$TMPD/retry.out" || true)
[ "$n" -eq 3 ] || fail "retry: $n refused attempts, expected 3"
echo "ok: retry recovers on the third answer; network errors are retried"
# }====

# {==== failing checks ====
run failures 0 --param base="$BASE"
has failures 'RB5001 assertion failed: assert http 200 "${base}/status/503": GET http://127.0.0.1'
has failures '/status/503 answered 503 in '
has failures 'expected 200; body: "status 503"'
has failures 'actual=503 expected=200'
has failures 'answered 404 in '
has failures 'expected "2xx"'
has failures 'does not contain "down"'
has failures 'json $.status: "up", expected == "down"'
has failures 'json $.items[5].id: missing, expected == 1'
has failures 'header X-Request-Id: "abc-123", expected == "zzz"'
has failures 'expected within 1ms'
has failures 'RB5011 assert http: malformed json path'
echo "ok: failing checks name status, time, URL and body"
# }====

# {==== every network error kind ====
run errors 0 --param base="$BASE"
for c in RB5012 RB5013 RB5014 RB5016 RB5017 RB5018 RB5019; do
  has errors "$c "
done
has errors 'RB5012 GET http://127.0.0.1:1/health: connection refused'
has errors 'RB5014 GET '"$BASE"'/delay/5000: timed out'
has errors 'RB5016 GET '"$BASE"'/reset: connection reset'
has errors 'RB5019 GET ftp://127.0.0.1/file: only http and https'
has errors 'RB5019 GET 127.0.0.1/health: malformed URL'
has errors '"assert refused" ERROR RB5012'
has errors '"step timeout" FAIL RB5003'
[ "$(grep -c 'RB5017 ' "$TMPD/errors.out")" -eq 2 ] || fail "errors: RB5017 not twice"
echo "ok: refused, DNS, timeout, reset, too large, protocol, bad URL"
# }====

# {==== secrets ====
TOKEN=s3cr3t-T0ken-4242
RBC_TEST_TOKEN=$TOKEN
export RBC_TEST_TOKEN
run secret 0 --param base="$BASE"
run secret 0 --param base="$BASE" -f jsonl
grep -q "$TOKEN" "$TMPD/plain.log" || fail "secret: the server never received the token"
if grep -rq "$TOKEN" "$TMPD/secret.out" "$TMPD/secret.err" "$TMPD/journal"; then
  grep -r "$TOKEN" "$TMPD/secret.out" "$TMPD/secret.err" "$TMPD/journal" >&2
  fail "secret: the token was printed"
fi
has secret '"call":"GET ***"'
has secret '"call":"GET http://127.0.0.1'
unset RBC_TEST_TOKEN
echo "ok: a secret header or URL is sent, never printed"
# }====

# {==== TLS ====
(
  cd "$TMPD"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=rbc test CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" \
    2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > ext
  openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
    -days 2 -extfile ext 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
) || fail "openssl could not make the test certificates"
start tlsca --tls "$TMPD/srv.pem" "$TMPD/srv.key"
start tlsself --tls "$TMPD/self.pem" "$TMPD/self.key"
run tls 0 --param ca_url="https://127.0.0.1:$(cat "$TMPD/tlsca.port")" \
  --param self_url="https://127.0.0.1:$(cat "$TMPD/tlsself.port")" --param ca_file="$TMPD/ca.pem"
has tls '"unknown CA" ERROR RB5015 GET https://127.0.0.1'
has tls '"self-signed" ERROR RB5015 GET https://127.0.0.1'
has tls '"cacert" ok'
has tls '"insecure" ok'
echo "ok: TLS verified; cacert: accepted; insecure: true accepted"
# }====

# {==== http.bench ====
run bench 0 --param base="$BASE"
has bench 'log bench 300 0 1'
has bench 'action http bench GET '"$BASE"'/health?bench ok'
has bench 'action http bench POST '"$BASE"'/status/503 20 failed'
has bench '"nothing answers" ERROR RB5012 http.bench GET http://127.0.0.1:1/: no request got a reply'
[ "$(requests "$TMPD/plain.log" '/health?bench')" -eq 300 ] || fail "bench: not 300 requests"
conns=$("$PY" -c 'import json,sys
print(len({json.loads(l)["peer"] for l in open(sys.argv[1]) if json.loads(l)["path"] == "/health?bench"}))' \
  "$TMPD/plain.log")
[ "$conns" -ge 1 ] && [ "$conns" -le 4 ] || fail "bench: $conns connections for concurrency 4"
echo "ok: http.bench fields; 300 requests over $conns keep-alive connections"
# http.bench connects directly (the proxy variables point nowhere here) and
# sends no User-Agent of its own (docs/builtins.md "http.bench")
(
  http_proxy=http://127.0.0.1:1 HTTP_PROXY=http://127.0.0.1:1 ALL_PROXY=http://127.0.0.1:1
  export http_proxy HTTP_PROXY ALL_PROXY
  run bench 0 --param base="$BASE"
)
has bench 'log bench 300 0 1'
[ "$(requests "$TMPD/plain.log" '/health?bench')" -eq 600 ] || fail "bench: not 600 requests"
uas=$("$PY" -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["path"] == "/health?bench"
          and "user-agent" in json.loads(l)["headers"]))' "$TMPD/plain.log")
[ "$uas" -eq 0 ] || fail "bench: $uas requests carried a User-Agent"
echo "ok: http.bench ignores the proxy variables and sends no User-Agent"
# on the wire: bench_wire.rb; peers LOG PATH: distinct connections for PATH
peers() {
  "$PY" -c 'import json,sys
print(len({json.loads(l)["peer"] for l in open(sys.argv[1]) if json.loads(l)["path"] == sys.argv[2]}))' \
    "$1" "$2"
}
run bench_wire 0 --param base="$BASE" --param ca_url="https://127.0.0.1:$(cat "$TMPD/tlsca.port")" \
  --param self_url="https://127.0.0.1:$(cat "$TMPD/tlsself.port")" --param ca_file="$TMPD/ca.pem"
for l in 'log chunked 40 0' 'log close 30 10 20' 'log mixed 1 6' 'log request 5' 'log https 30 10 6'; do
  has bench_wire "$l"
done
has bench_wire '"malformed" ERROR RB5018 http.bench GET '"$BASE"'/garbage?wire: no request got a reply'
has bench_wire '"reset" ERROR RB5016 http.bench GET '"$BASE"'/reset?wire: no request got a reply'
has bench_wire '"self-signed" ERROR RB5015 http.bench GET https://127.0.0.1'
has bench_wire '"timeout" ERROR RB5014 http.bench GET '"$BASE"'/delay/1500?wire: no request got a reply'
has bench_wire 'log parallel done'
for i in 0 1 2; do
  [ "$(requests "$TMPD/plain.log" "/health?par=$i")" -eq 20 ] || fail "bench: parallel branch $i"
done
has bench_wire 'action http bench GET '"$BASE"'/garbage?wire 4 failed'
has bench_wire 'action http bench GET '"$BASE"'/reset?wire 4 failed'
[ "$(peers "$TMPD/plain.log" '/chunked/70000?wire')" -le 2 ] || fail "bench: chunked replies broke keep-alive"
[ "$(peers "$TMPD/plain.log" '/close?wire')" -eq 30 ] || fail "bench: Connection: close not honoured"
[ "$(peers "$TMPD/plain.log" '/eof?wire')" -eq 10 ] || fail "bench: a body to the end not read"
[ "$(requests "$TMPD/plain.log" '/quiet-close?wire')" -eq 20 ] || fail "bench: idle close"
[ "$(requests "$TMPD/plain.log" '/garbage?wire')" -eq 4 ] || fail "bench: not 4 malformed"
[ "$(requests "$TMPD/tlsca.log" '/chunked/3000?wire')" -eq 30 ] || fail "bench: not 30 over TLS"
[ "$(peers "$TMPD/tlsca.log" '/chunked/3000?wire')" -le 3 ] || fail "bench: TLS without keep-alive"
[ "$(peers "$TMPD/tlsca.log" '/close?wire')" -eq 6 ] || fail "bench: TLS Connection: close"
"$PY" -c 'import json,sys
port = sys.argv[2]
rs = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["path"] == "/echo?wire"]
assert len(rs) == 5, rs
for r in rs:
    h = r["headers"]
    assert r["method"] == "PUT" and r["body"] == "payload", r
    assert h["host"] == "127.0.0.1:" + port and h["x-wire"] == "yes", r
    assert h["accept"] == "text/plain" and h["content-length"] == "7", r
    assert "user-agent" not in h and h["connection"] == "keep-alive", r' \
  "$TMPD/plain.log" "$(cat "$TMPD/plain.port")" || fail "bench: the request written is wrong"
echo "ok: http.bench on the wire: chunked, close, idle close, to the end, statuses, HEAD, the request, failures, timeout, parallel, https"
# }====

# {==== parallel for over 100 endpoints ====
run parallel 1 --param base="$BASE"
has parallel 'assertion failed: assert http 200 "${base}${path}": GET '"$BASE"'/status/500?n=42 answered 500'
has parallel '"Critical endpoints" FAIL RB5001 '
[ "$(requests "$TMPD/plain.log" '/health?n=')" -eq 99 ] || fail "parallel: not 99 healthy requests"
[ "$(requests "$TMPD/plain.log" '/status/500?n=42')" -eq 1 ] || fail "parallel: the failing one"
echo "ok: parallel for over 100 endpoints, one failing"
# }====

# {==== an interrupt (SIGTERM) during a transfer ====
# Not through the rbc function: $! must be rbc's own process.
# shellcheck disable=SC2086  # RBC_WRAPPER is a command line, split on purpose
$RBC_WRAPPER "$RBC" run --journal-dir "$TMPD/journal" --param base="$BASE" \
  "$HERE/interrupt.rb" >"$TMPD/interrupt.out" 2>&1 &
pid=$!
i=0
until [ "$(requests "$TMPD/plain.log" /delay/20000?interrupt)" -eq 1 ]; do
  i=$((i + 1))
  [ $i -lt 400 ] || { kill "$pid"; fail "interrupt: the request never arrived"; }
  sleep 0.05
done
kill -TERM "$pid"                       # (a background job of sh ignores SIGINT)
set +e
wait "$pid"
got=$?
set -e
[ "$got" -eq 143 ] || { cat "$TMPD/interrupt.out" >&2; fail "interrupt: exit $got, expected 143"; }
grep -q 'RB5009' "$TMPD/interrupt.out" || fail "interrupt: no RB5009"
echo "ok: SIGTERM during a transfer ends the run (143)"
# }====
