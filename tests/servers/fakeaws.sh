# shellcheck shell=sh
# tests/servers/fakeaws.sh: start the local AWS endpoint from a shell test.
#
#   . "$top_srcdir/tests/servers/fakeaws.sh"
#   fake_aws_start [--seed FILE] [--settle-polls N] ...   # background, waits for the port
#   trap 'fake_aws_stop; rm -rf "$TMPD"' EXIT             # (it also exits with this shell)
#   fake_aws_env                                           # export AWS_* for a client
#   fake_aws_ctl POST faults '{"kind": "throttle", "service": "ecs", "count": 2}'
#   fake_aws_ctl GET 'log?operation=Publish'
#
# After fake_aws_start: FAKE_AWS_URL (http://127.0.0.1:PORT), FAKE_AWS_PORT,
# FAKE_AWS_PID, FAKE_AWS_LOG (the server's stderr).  Returns non-zero (with
# the log on stderr) when the server did not come up within 20 s.

FAKE_AWS_DIR=${FAKE_AWS_DIR:-$(cd "$(dirname "${top_srcdir:-.}/tests/servers/fake_aws.py")" && pwd)}
FAKE_AWS_PYTHON=${FAKE_AWS_PYTHON:-/usr/bin/python3}

fake_aws_start() {
  _fa_dir=${TMPD:-${TMPDIR:-/tmp}}
  _fa_port="$_fa_dir/fake_aws.port.$$"
  FAKE_AWS_LOG="$_fa_dir/fake_aws.log.$$"
  rm -f "$_fa_port"
  "$FAKE_AWS_PYTHON" "$FAKE_AWS_DIR/fake_aws.py" --port-file "$_fa_port" --parent-pid $$ \
    "$@" </dev/null >"$FAKE_AWS_LOG" 2>&1 &
  FAKE_AWS_PID=$!
  _fa_i=0
  while [ ! -s "$_fa_port" ]; do
    if ! kill -0 "$FAKE_AWS_PID" 2>/dev/null || [ "$_fa_i" -ge 200 ]; then
      echo "fake_aws.py did not start:" >&2
      cat "$FAKE_AWS_LOG" >&2
      return 1
    fi
    sleep 0.1
    _fa_i=$((_fa_i + 1))
  done
  FAKE_AWS_PORT=$(cat "$_fa_port")
  FAKE_AWS_URL="http://127.0.0.1:$FAKE_AWS_PORT"
  export FAKE_AWS_URL FAKE_AWS_PORT FAKE_AWS_PID FAKE_AWS_LOG
}

fake_aws_stop() {
  if [ -n "${FAKE_AWS_PID:-}" ]; then
    kill "$FAKE_AWS_PID" 2>/dev/null || true
    wait "$FAKE_AWS_PID" 2>/dev/null || true
    FAKE_AWS_PID=
  fi
}

# fake_aws_env [AKID SECRET]: AWS_* variables for a client of this endpoint.
fake_aws_env() {
  AWS_ENDPOINT_URL=$FAKE_AWS_URL
  AWS_ACCESS_KEY_ID=${1:-AKIDEXAMPLE}
  AWS_SECRET_ACCESS_KEY=${2:-wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY}
  AWS_REGION=us-east-1
  AWS_DEFAULT_REGION=us-east-1
  AWS_EC2_METADATA_DISABLED=true
  AWS_CONFIG_FILE=/dev/null
  AWS_SHARED_CREDENTIALS_FILE=/dev/null
  AWS_PAGER=
  export AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION \
    AWS_EC2_METADATA_DISABLED AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_PAGER
  unset AWS_SESSION_TOKEN AWS_PROFILE 2>/dev/null || true
}

# fake_aws_ctl METHOD WHAT [JSON]: one control-API call; the JSON reply on stdout.
fake_aws_ctl() {
  "$FAKE_AWS_PYTHON" "$FAKE_AWS_DIR/fakeaws/client.py" "$FAKE_AWS_URL" "$@"
}
