#!/bin/sh
# tests/aws_creds.sh: the AWS client's credentials chain, region, preflight,
# retries and error replies, through `rbc run` against local servers.
#
# tests/aws_creds.py (started here on 127.0.0.1, a free port) plays STS
# (verifying every signature with botocore), EC2 IMDSv2 and the ECS
# container credentials endpoint, and logs each request as a JSON line; its
# queue file scripts throttling / 5xx / error replies.  Each case runs a
# runbook that calls STS GetCallerIdentity once in a step and checks the
# exit status, the diagnostic, and which access key and which requests the
# server saw: a run that passes preflight makes one GetCallerIdentity there
# and one in the step, with the same (cached) credentials.  Retries run on the
# virtual clock (--clock virtual), so backoff costs no real time.
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"

PY=/usr/bin/python3
$PY -c 'import botocore' 2>/dev/null || skip "python3-botocore is not installed"

LOG=$TMPD/requests.jsonl
QUEUE=$TMPD/queue.json
: >"$LOG"
echo '[]' >"$QUEUE"
AWS_CREDS_TEST_CONTAINER_TOKEN='Bearer container-auth-secret'
export AWS_CREDS_TEST_CONTAINER_TOKEN
$PY "$top_srcdir/tests/aws_creds.py" --port-file "$TMPD/port" --log "$LOG" --queue "$QUEUE" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$TMPD"' EXIT
i=0
while [ ! -s "$TMPD/port" ]; do
  i=$((i + 1))
  [ "$i" -lt 200 ] || fail "the test server did not start"
  sleep 0.05
done
PORT=$(cat "$TMPD/port")
URL=http://127.0.0.1:$PORT

cat >"$TMPD/rb.rb" <<'EOF'
runbook "aws-creds" {
  phase "p" {
    step "who" {
      let me = aws.sts.get_caller_identity()
      assert me.Account == "123456789012"
    }
  }
}
EOF

# A clean AWS environment: nothing from the user's, only the local STS.
for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export HOME=$TMPD/home
mkdir -p "$HOME"
export AWS_CONFIG_FILE=$TMPD/config AWS_SHARED_CREDENTIALS_FILE=$TMPD/credentials
export AWS_EC2_METADATA_DISABLED=true AWS_REGION=eu-west-1
export AWS_ENDPOINT_URL_STS=$URL
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"

# run_case NAME EXIT [rbc run options...]: run the runbook; output in $TMPD/NAME.{out,err}.
run_case() {
  name=$1 want=$2
  shift 2
  : >"$LOG"
  set +e
  rbc run --clock virtual -f plain "$@" "$TMPD/rb.rb" >"$TMPD/$name.out" 2>"$TMPD/$name.err"
  got=$?
  set -e
  if [ "$got" -ne "$want" ]; then
    cat "$TMPD/$name.err" >&2
    fail "$name: exit $got, expected $want"
  fi
  for s in env-secret file-secret config-secret source-secret process-secret \
    container-secret imds-secret env-token-secret env-session-token role-token \
    container-auth-secret container-token imds-token-1 imds-session-token; do
    if grep -q -- "$s" "$TMPD/$name.out" "$TMPD/$name.err"; then
      fail "$name: a secret ($s) was printed"
    fi
  done
}

# expect_err NAME TEXT: stderr of case NAME contains TEXT.
expect_err() {
  grep -q -- "$2" "$TMPD/$1.err" || { cat "$TMPD/$1.err" >&2; fail "$1: stderr lacks '$2'"; }
}

# seen PATTERN COUNT: the request log has COUNT lines matching PATTERN.
seen() {
  n=$(grep -c -- "$1" "$LOG" || true)
  [ "$n" -eq "$2" ] || { cat "$LOG" >&2; fail "expected $2 requests matching '$1', saw $n"; }
}

# {==== preflight refusals: nothing runs ====

run_case none 77
expect_err none 'RB5020'
expect_err none 'no AWS credentials found'
expect_err none 'nothing was executed'
seen '"kind": "sts"' 0

(unset AWS_REGION; run_case noregion 78)
expect_err noregion 'RB5022'
expect_err noregion 'nothing was executed'

AWS_ACCESS_KEY_ID=AKIDBOGUS AWS_SECRET_ACCESS_KEY=whatever run_case rejected 77
expect_err rejected 'RB5021'
expect_err rejected 'InvalidClientTokenId'
expect_err rejected 'nothing was executed'
seen '"action": "GetCallerIdentity"' 1
grep -q 'who' "$TMPD/rejected.out" && fail "rejected: a step ran"

AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=wrong-secret run_case badsig 77
expect_err badsig 'SignatureDoesNotMatch'

run_case badregion 78 --region 'eu west 1'
expect_err badregion 'RB5022'

AWS_ENDPOINT_URL_STS=ftp://127.0.0.1/ AWS_ACCESS_KEY_ID=AKIDENV \
  AWS_SECRET_ACCESS_KEY='env-secret/+key' run_case badendpoint 78
expect_err badendpoint 'RB5023'

run_case badprofile 78 --profile nosuch
expect_err badprofile 'RB5023'
expect_err badprofile 'nosuch'

AWS_ENDPOINT_URL_STS=http://127.0.0.1:1 AWS_ACCESS_KEY_ID=AKIDENV \
  AWS_SECRET_ACCESS_KEY='env-secret/+key' run_case unreachable 77
expect_err unreachable 'RB5024'

# }====

# {==== the sources, in order ====

export AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY='env-secret/+key'
run_case env 0
seen '"akid": "AKIDENV"' 2
# AWS_ENDPOINT_URL serves every service without its own variable.
(unset AWS_ENDPOINT_URL_STS; AWS_ENDPOINT_URL=$URL run_case endpoint_all 0)
seen '"akid": "AKIDENV"' 2
seen '"token": false' 2

AWS_ACCESS_KEY_ID=AKIDENVTOKEN AWS_SECRET_ACCESS_KEY=env-token-secret-key \
  AWS_SESSION_TOKEN='env-session-token/+=' run_case envtoken 0
seen '"akid": "AKIDENVTOKEN", .*"token": true' 2

cat >"$AWS_SHARED_CREDENTIALS_FILE" <<'EOF'
# comments and blank lines are fine

[default]
aws_access_key_id = AKIDFILE
aws_secret_access_key = file-secret-key

[source]
aws_access_key_id=AKIDSOURCE
aws_secret_access_key=source-secret-key
EOF
cat >"$AWS_CONFIG_FILE" <<'EOF'
[default]
region = us-west-2

[profile dev]
aws_access_key_id = AKIDCONFIG
aws_secret_access_key = config-secret-key
s3 =
  addressing_style = path

[profile role]
role_arn = arn:aws:iam::123456789012:role/deployer
source_profile = source
external_id = ext-123
role_session_name = rbc-test

[profile proc]
credential_process = "PROCDIR/cred proc" --flag 'two words' $HOME

[profile procfail]
credential_process = /bin/sh -c "exit 3"
EOF
sed -i "s|PROCDIR|$TMPD|" "$AWS_CONFIG_FILE"

# The environment comes first; --profile skips it (botocore's rule).
run_case env_over_file 0
seen '"akid": "AKIDENV"' 2
run_case profile_flag 0 --profile dev
seen '"akid": "AKIDCONFIG"' 2
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

run_case credfile 0
seen '"akid": "AKIDFILE"' 2
AWS_PROFILE=dev run_case awsprofile 0
seen '"akid": "AKIDCONFIG"' 2

# The region falls back to the profile's.
(unset AWS_REGION; run_case profile_region 0)

# role_arn + source_profile: AssumeRole signed with the source's keys, then
# both calls with the role's session credentials (assumed once, cached).
run_case role 0 --profile role
seen '"action": "AssumeRole", "akid": "AKIDSOURCE"' 1
seen '"external_id": "ext-123"' 1
seen '"role": "arn:aws:iam::123456789012:role/deployer"' 1
seen '"session": "rbc-test"' 1
seen '"action": "GetCallerIdentity", "akid": "ASIA[0-9A-F]*", .*"token": true' 2

# credential_process: no shell (quotes kept as words, $HOME not expanded).
cat >"$TMPD/cred proc" <<'EOF'
#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done >"$(dirname "$0")/argv.txt"
printf '{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "process-secret-key"}\n'
EOF
chmod +x "$TMPD/cred proc"
run_case process 0 --profile proc
seen '"akid": "AKIDPROCESS"' 2
printf -- '--flag\ntwo words\n$HOME\n' | cmp -s - "$TMPD/argv.txt" ||
  fail "credential_process got argv: $(cat "$TMPD/argv.txt")"
run_case procfail 77 --profile procfail
expect_err procfail 'RB5020'
expect_err procfail 'credential_process exited with status 3'

: >"$AWS_SHARED_CREDENTIALS_FILE"
: >"$AWS_CONFIG_FILE"

# ECS container credentials (FULL_URI on loopback, token from a file).
printf 'Bearer container-auth-secret\n' >"$TMPD/token"
AWS_CONTAINER_CREDENTIALS_FULL_URI=$URL/container-creds \
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$TMPD/token run_case container 0
seen '"authorization": "Bearer container-auth-secret", "kind": "container"' 1
seen '"akid": "AKIDCONTAINER", .*"token": true' 2
# Credentials that expire within 5 minutes are fetched again for every call.
AWS_CONTAINER_CREDENTIALS_FULL_URI=$URL/container-creds-short \
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$TMPD/token run_case container_short 0
seen '"kind": "container"' 2
AWS_CONTAINER_CREDENTIALS_FULL_URI=$URL/container-creds \
  AWS_CONTAINER_AUTHORIZATION_TOKEN='Bearer wrong' run_case container_bad 77
expect_err container_bad 'HTTP 403'
AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds run_case container_host 77
expect_err container_host 'loopback'

# EC2 IMDSv2: token, role, credentials.
AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$URL/ run_case imds 0
seen '"kind": "imds-token"' 1
seen '"kind": "imds-role"' 1
seen '"kind": "imds-creds"' 1
seen '"akid": "AKIDIMDS", .*"token": true' 2
# Disabled: not asked at all.
AWS_EC2_METADATA_SERVICE_ENDPOINT=$URL run_case imds_off 77
seen '"kind": "imds' 0

# }====

# {==== retries and error replies ====

export AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY='env-secret/+key'

# Preflight's call is retried; the step's then gets the real answer.
echo '["throttle", "500"]' >"$QUEUE"
run_case retry 0
seen '"action": "GetCallerIdentity"' 4

echo '["throttle-json", "throttle", "throttle"]' >"$QUEUE"
run_case exhausted 77
expect_err exhausted 'RB5024'
expect_err exhausted 'Throttling'
seen '"action": "GetCallerIdentity"' 3

echo '["500", "500", "500", "500"]' >"$QUEUE"
AWS_MAX_ATTEMPTS=5 run_case max_attempts 0
seen '"action": "GetCallerIdentity"' 6

# The retry quota (500; 5 per retry, the last cost back on success): 99
# retries at preflight leave 10, so the step's call stops after 2 retries.
$PY -c 'import json; print(json.dumps(["throttle"] * 99 + ["ok"] + ["throttle"] * 3))' \
  >"$QUEUE"
AWS_MAX_ATTEMPTS=100 run_case quota 1
seen '"action": "GetCallerIdentity"' 103

echo '["retry-after"]' >"$QUEUE"
run_case retry_after 0
seen '"action": "GetCallerIdentity"' 3

echo '["expired"]' >"$QUEUE"
run_case expired 0
seen '"action": "GetCallerIdentity"' 3

echo '["denied-json"]' >"$QUEUE"
run_case json_error 77
expect_err json_error 'RB5021'
expect_err json_error 'AccessDeniedException: not allowed here'
seen '"action": "GetCallerIdentity"' 1

echo '["s3-error"]' >"$QUEUE"
run_case s3_error 77
expect_err s3_error 'AccessDenied: Access Denied'

# }====

# {==== AssumeRole against the shared local AWS endpoint ====

# tests/servers/fake_aws.py speaks AWS's real formats and checks signatures
# with botocore; the role's session credentials must then be accepted there.
FAKE=$top_srcdir/tests/servers/fake_aws.py
if [ -f "$FAKE" ]; then
  $PY "$FAKE" --port-file "$TMPD/fake.port" >"$TMPD/fake.log" 2>&1 &
  FAKE_PID=$!
  trap 'kill "$SERVER" "$FAKE_PID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$TMPD"' EXIT
  i=0
  while [ ! -s "$TMPD/fake.port" ]; do
    i=$((i + 1))
    [ "$i" -lt 400 ] || fail "fake_aws.py did not start: $(cat "$TMPD/fake.log")"
    sleep 0.05
  done
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL_STS
  cat >"$AWS_CONFIG_FILE" <<'EOF'
[profile deploy]
role_arn = arn:aws:iam::123456789012:role/deployer
source_profile = base
role_session_name = rbc-e2e

[profile base]
aws_access_key_id = AKIDEXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
EOF
  cat >"$TMPD/rb.rb" <<'EOF'
runbook "aws-creds-role" {
  phase "p" {
    step "who" {
      let me = aws.sts.get_caller_identity()
      assert me.Arn == "arn:aws:sts::123456789012:assumed-role/deployer/rbc-e2e"
    }
  }
}
EOF
  AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$TMPD/fake.port") run_case fake_role 0 --profile deploy
fi

# }====

echo "aws_creds: all cases passed"
