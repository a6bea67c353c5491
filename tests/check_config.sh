#!/bin/sh
# tests/check_config.sh: `.rbc.conf` discovery (each runbook's directory
# upwards, stopping at the repository root), --config / RBC_CONFIG / --no-config,
# profiles, enable/disable lists, severity overrides, fail-on, exit-zero,
# [paths] exclude, and config errors (RB9002, exit 78, "did you mean").
. "${top_srcdir:-$(dirname "$0")/..}/tests/setup.sh"
XDG_CONFIG_HOME=$TMPD/xdg
export XDG_CONFIG_HOME

repo=$TMPD/repo
mkdir -p "$repo/.git" "$repo/runbooks/team" "$repo/runbooks/archive"
# One warning (RB4006 unused param), one info (RB4005), one safety warning
# (RB3006: sh with check: false thrown away).
cat >"$repo/runbooks/team/a.rb" <<'RB'
runbook "a" {
  title       "A"
  criticality low
  rto         15m
  owner       "team-test"
  param unused = 1
  phase "P" {
    step "S" {
      sh("true", check: false)
    }
  }
  checklist "C" {
    item "looked at it"
  }
}
RB
cp "$repo/runbooks/team/a.rb" "$repo/runbooks/archive/old.rb"

codes() {  # codes reported by `rbc check -f gcc ARGS...`, sorted, one line
  set +e
  rbc check -f gcc "$@" 2>"$TMPD/err" | sed -n 's/.*\[\(RB[0-9]*\)\]$/\1/p' | sort | tr '\n' ' '
  set -e
}

want() {  # want "EXPECTED" ARGS...: the codes reported
  exp=$1
  shift
  got=$(codes "$@")
  [ "$got" = "$exp" ] || fail "rbc check $*: got '$got', want '$exp'"
}

a=$repo/runbooks/team/a.rb
want "RB3006 RB4005 RB4006 " "$a"
want "" --profile min "$a"
want "RB4006 " --disable RB3006,checklist-unverified "$a"
want "RB3006 " --disable all --enable safety "$a"
want "RB3006 RB4006 " -S warning "$a"
echo "ok   profiles, --enable/--disable (codes, names, tags, all), -S"

# A config file in a parent directory applies; flags win over it.
cat >"$repo/runbooks/.rbc.conf" <<'CONF'
# team settings
[check]
profile  = default
severity = info          # minimum reported
disable  = RB4006
severity.ignored-exit-status = error
fail-on  = error
CONF
want "RB3006 RB4005 " "$a"
rbc check -f gcc "$a" | grep -q "error: the exit status" || fail "severity.X = error not applied"
want "RB3006 RB4005 RB4006 " --enable RB4006 "$a"
want "RB3006 " -S error "$a"
want "RB3006 RB4005 RB4006 " --no-config "$a"
rbc check -v -f quiet "$a" 2>"$TMPD/err" || true
grep -q "using config file '.*runbooks/.rbc.conf'" "$TMPD/err" || fail "-v does not name the config"
# fail-on = error: RB3006 is an error now -> 1; with it disabled only info -> 0.
expect_exit 1 rbc check -f quiet "$a"
expect_exit 0 rbc check -f quiet --disable RB3006 "$a"
expect_exit 0 rbc check -f quiet --exit-zero "$a"
expect_exit 1 rbc check -f quiet --disable RB3006 --fail-on info "$a"
echo "ok   .rbc.conf found upwards; flags override it; fail-on, exit-zero"

# The search stops at the repository root: a config above it is not read.
mv "$repo/runbooks/.rbc.conf" "$TMPD/.rbc.conf"
want "RB3006 RB4005 RB4006 " "$a"
# --config and RBC_CONFIG name one explicitly.
want "RB3006 RB4005 " --config "$TMPD/.rbc.conf" "$a"
RBC_CONFIG=$TMPD/.rbc.conf
export RBC_CONFIG
want "RB3006 RB4005 " "$a"
unset RBC_CONFIG
# The user's file ($XDG_CONFIG_HOME/rbc/config) comes last.
mkdir -p "$XDG_CONFIG_HOME/rbc"
printf '[check]\nprofile = min\n' >"$XDG_CONFIG_HOME/rbc/config"
want "" "$a"
rm "$XDG_CONFIG_HOME/rbc/config"
echo "ok   repository root stops the search; --config, RBC_CONFIG, XDG file"

# [paths] exclude skips files found by walking a directory.
printf '[paths]\nexclude = runbooks/archive/**\n' >"$repo/.rbc.conf"
rbc check -f gcc "$repo/runbooks" >"$TMPD/out" 2>&1 || true
grep -q "team/a.rb" "$TMPD/out" || fail "team/a.rb not checked"
! grep -q "archive/old.rb" "$TMPD/out" || fail "archive/old.rb not excluded"
rm "$repo/.rbc.conf"
echo "ok   [paths] exclude"

# Errors: unknown key with a suggestion, unknown section, bad value -> 78.
bad() {  # bad CONTENT EXPECTED-TEXT
  printf '%s\n' "$1" >"$TMPD/bad.conf"
  set +e
  rbc check --config "$TMPD/bad.conf" "$a" >/dev/null 2>"$TMPD/err"
  st=$?
  set -e
  [ "$st" -eq 78 ] || fail "config '$1' exited $st, expected 78"
  grep -q "RB9002" "$TMPD/err" && grep -qF "$2" "$TMPD/err" \
    || fail "config '$1': stderr lacks '$2': $(cat "$TMPD/err")"
}
bad "[check]
fail_on = error" "bad.conf:2: unknown key 'fail_on' in [check]; did you mean 'fail-on'?"
bad "[chek]" "unknown section [chek]; did you mean 'check'?"
bad "[check]
profile = strictest" "invalid profile 'strictest'"
bad "[check]
disable = RB0000" "'RB0000' is no code, name or tag"
bad "[check]
severity = loud" "invalid value 'loud' for 'severity'"
bad "profile = min" "'profile' comes before any [section]"
bad "[run]
progress = fancy" "invalid value 'fancy' for 'progress'"
expect_exit 78 rbc check --config "$TMPD/missing.conf" "$a" 2>/dev/null
expect_exit 64 rbc check --profile strictest "$a" 2>/dev/null
expect_exit 64 rbc check --enable RB0000 "$a" 2>/dev/null
echo "ok   config errors are RB9002, exit 78, with the line and a suggestion"

# RBC_TODAY fixes the date of the freshness rule; a bad one is a usage error.
cat >"$TMPD/fresh.rb" <<'RB'
runbook "f" {
  title "F"
  criticality low
  rto 15m
  owner "team-test"
  tested "2026-01-01"
  review 30d
}
RB
RBC_TODAY=2026-01-20 rbc check -f quiet --no-config "$TMPD/fresh.rb" || fail "RB4002 before 30d"
RBC_TODAY=2026-03-01 expect_exit 1 rbc check -f quiet --no-config "$TMPD/fresh.rb"
RBC_TODAY=yesterday expect_exit 64 rbc check -f quiet --no-config "$TMPD/fresh.rb" 2>/dev/null
echo "ok   RBC_TODAY"

# Each runbook gets the config of its own directory tree, in one run.
mkdir -p "$repo/teams/quiet" "$repo/teams/loud"
cp "$a" "$repo/teams/quiet/q.rb"
cp "$a" "$repo/teams/loud/l.rb"
printf '[check]\nprofile = min\n' >"$repo/teams/quiet/.rbc.conf"
printf '[check]\ndisable = RB4005\n' >"$repo/teams/loud/.rbc.conf"
rbc check -f gcc "$repo/teams" >"$TMPD/out" 2>&1 || true
! grep -q "quiet/q.rb" "$TMPD/out" || fail "quiet/q.rb used the wrong config: $(cat "$TMPD/out")"
grep -q "loud/l.rb.*RB3006" "$TMPD/out" || fail "loud/l.rb not checked with its config"
! grep -q "RB4005" "$TMPD/out" || fail "loud/.rbc.conf's disable not applied"
echo "ok   one config per directory tree"
