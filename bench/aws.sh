#!/bin/sh
# bench/aws.sh [RBC]: the cost of 20 AWS calls from a runbook against the
# tools a user would otherwise script (bench/README.md "AWS"), all against
# the local AWS endpoint tests/servers/fake_aws.py (SigV4 verified):
#   - rbc: one runbook making 10 ssm.get_parameter (json protocol) and 10
#     sts.get_caller_identity (query protocol) calls (plus rbc's credential
#     preflight, one more sts call);
#   - aws: a bash script running the same 20 calls with Debian's AWS CLI
#     (/usr/bin/aws, one process per call, --endpoint-url: CLI 2.9 predates
#     AWS_ENDPOINT_URL; target: rbc >= 50x faster);
#   - curl: a bash script running the same 20 calls with
#     `curl --aws-sigv4` (one process per call; target: rbc >= 2x faster).
# Prints the medians and the ratios from one run, then the peak memory
# (maximum resident set size, /usr/bin/time -v) of the rbc run and of one
# `aws` call.  RBC defaults to $RBC, then build-bench/rbc, then build/rbc.
# Environment: RUNS (hyperfine runs for rbc and curl, default 10),
# AWS_RUNS (for the AWS CLI, default 3: one run takes ~20 s).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
rbc=${1:-${RBC:-}}
if [ -z "$rbc" ]; then
  rbc=$top/build-bench/rbc
  [ -x "$rbc" ] || rbc=$top/build/rbc
fi
runs=${RUNS:-10}
aws_runs=${AWS_RUNS:-3}
py=/usr/bin/python3
awscli=/usr/bin/aws

need() {
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y "$2" >/dev/null 2>&1 || true
  fi
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 ||
    { echo "aws bench: $1 not found (apt-get install $2)" >&2; exit 77; }
}
need hyperfine hyperfine
need curl curl
need /usr/bin/time time
need "$awscli" awscli
"$py" -c 'import botocore' 2>/dev/null || { echo "aws bench: needs python3-botocore" >&2; exit 77; }
[ -x "$rbc" ] || { echo "aws bench: no rbc binary at '$rbc'" >&2; exit 77; }
rbc=$(cd "$(dirname "$rbc")" && pwd)/$(basename "$rbc")

work=$(mktemp -d "${TMPDIR:-/tmp}/rbc-aws-bench.XXXXXX")
fake=
cleanup() {
  [ -n "$fake" ] && kill "$fake" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/journal"

# {==== the endpoint and the credentials ====
echo '{"ssm": {"parameters": {"/bench/flag": "on"}}}' >"$work/seed.json"
"$py" "$top/tests/servers/fake_aws.py" --port-file "$work/port" --seed "$work/seed.json" \
  >"$work/fake.log" 2>&1 &
fake=$!
i=0
while [ ! -s "$work/port" ]; do
  i=$((i + 1))
  [ $i -lt 200 ] || { echo "aws bench: fake_aws.py did not start" >&2; exit 1; }
  sleep 0.05
done
url="http://127.0.0.1:$(cat "$work/port")"
AWS_ACCESS_KEY_ID=AKIDEXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
AWS_REGION=us-east-1
AWS_ENDPOINT_URL=$url
AWS_CONFIG_FILE=/dev/null
AWS_SHARED_CREDENTIALS_FILE=/dev/null
AWS_EC2_METADATA_DISABLED=true
AWS_MAX_ATTEMPTS=1
AWS_PAGER=
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_ENDPOINT_URL AWS_CONFIG_FILE
export AWS_SHARED_CREDENTIALS_FILE AWS_EC2_METADATA_DISABLED AWS_MAX_ATTEMPTS AWS_PAGER
# }====

# {==== the three scripts ====
cat >"$work/calls.rb" <<'EOF'
runbook "aws-bench" {
  phase "p" {
    step "calls" {
      for i in range(0, 10) {
        assert aws.ssm.get_parameter(Name: "/bench/flag").Parameter.Value == "on"
        assert aws.sts.get_caller_identity().Account == "123456789012"
      }
    }
  }
}
EOF
{
  echo 'set -e'
  echo 'for i in 1 2 3 4 5 6 7 8 9 10; do'
  echo "  $awscli --endpoint-url $url ssm get-parameter --name /bench/flag --output text >/dev/null"
  echo "  $awscli --endpoint-url $url sts get-caller-identity --output text >/dev/null"
  echo 'done'
} >"$work/aws-loop.sh"
sig="--aws-sigv4 aws:amz:us-east-1"
cred="$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
{
  echo 'set -e'
  echo 'for i in 1 2 3 4 5 6 7 8 9 10; do'
  echo "  curl -sf $sig:ssm --user '$cred' -H 'Content-Type: application/x-amz-json-1.1' \\"
  echo "    -H 'X-Amz-Target: AmazonSSM.GetParameter' -d '{\"Name\":\"/bench/flag\"}' \\"
  echo "    '$url/' >/dev/null"
  echo "  curl -sf $sig:sts --user '$cred' \\"
  echo "    -H 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' \\"
  echo "    -d 'Action=GetCallerIdentity&Version=2011-06-15' '$url/' >/dev/null"
  echo 'done'
} >"$work/curl-loop.sh"
# }====

# {==== check, time, compare ====
median() {
  "$py" -c 'import json,sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' \
    "$work/$1.json"
}
ratio() {
  "$py" -c 'import sys; print("%.1f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"
}
maxrss() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'
}
"$rbc" run -f plain --journal-dir "$work/journal" "$work/calls.rb" >"$work/rbc.out" 2>&1 ||
  { cat "$work/rbc.out" >&2; echo "aws bench: the runbook failed" >&2; exit 1; }
bash "$work/curl-loop.sh" || { echo "aws bench: the curl loop failed" >&2; exit 1; }
bash "$work/aws-loop.sh" || { echo "aws bench: the aws loop failed" >&2; exit 1; }
curl -sf -X DELETE "$url/__fake/log" >/dev/null

hyperfine -N --style none --runs "$runs" --warmup 1 --export-json "$work/rbc.json" \
  "$rbc run -f plain --journal-dir $work/journal $work/calls.rb" >/dev/null
hyperfine --style none --runs "$runs" --warmup 1 --export-json "$work/curl.json" \
  "bash $work/curl-loop.sh" >/dev/null
hyperfine --style none --runs "$aws_runs" --export-json "$work/aws.json" \
  "bash $work/aws-loop.sh" >/dev/null
t_rbc=$(median rbc)
t_curl=$(median curl)
t_aws=$(median aws)
stats=$(curl -sf "$url/__fake/stats")
m_rbc=$(maxrss "$rbc" run -f plain --journal-dir "$work/journal" "$work/calls.rb")
m_aws=$(maxrss "$awscli" --endpoint-url "$url" sts get-caller-identity --output text)

echo "20 AWS calls (10 ssm.get_parameter + 10 sts.get_caller_identity) against $url"
echo "    rbc, one runbook          : ${t_rbc}s (median of $runs)"
echo "    bash + 20 curl --aws-sigv4: ${t_curl}s   rbc is $(ratio "$t_curl" "$t_rbc")x faster" \
  "(target >= 2)"
echo "    bash + 20 aws CLI calls   : ${t_aws}s   rbc is $(ratio "$t_aws" "$t_rbc")x faster" \
  "(target >= 50; median of $aws_runs)"
echo "peak memory (max RSS): rbc run of the 20 calls ${m_rbc} KiB," \
  "one aws CLI call ${m_aws} KiB ($(ratio "$m_aws" "$m_rbc")x)"
echo "endpoint: $stats" | tr -d '\n '
echo
# }====
