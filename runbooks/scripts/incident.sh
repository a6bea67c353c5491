#!/bin/sh
# runbooks/scripts/incident.sh: the incident tool of the rollback runbook
# (runbooks/payments-api-rollback.rb), a local stand-in for a real one
# (PagerDuty, incident.io, a chat bot...): replace it with your own.
#
#   incident.sh create TITLE            prints the new incident's id
#   incident.sh update ID STATUS TEXT   appends a status line
#
# Incidents are files under $INCIDENT_DIR (default ${TMPDIR:-/tmp}/incidents).
# The API token comes from the environment, INCIDENT_TOKEN, never from the
# command line; it is required and never printed.
set -eu

dir=${INCIDENT_DIR:-${TMPDIR:-/tmp}/incidents}
[ -n "${INCIDENT_TOKEN:-}" ] || { echo "incident.sh: INCIDENT_TOKEN is not set" >&2; exit 2; }
mkdir -p "$dir"
case ${1:-} in
create)
  [ $# -eq 2 ] || { echo "usage: incident.sh create TITLE" >&2; exit 2; }
  n=$(($(find "$dir" -name 'INC-*' | wc -l) + 1))
  id=$(printf 'INC-%04d' "$n")
  printf 'OPEN %s\n' "$2" >"$dir/$id"
  echo "$id"
  ;;
update)
  [ $# -eq 4 ] || { echo "usage: incident.sh update ID STATUS TEXT" >&2; exit 2; }
  [ -f "$dir/$2" ] || { echo "incident.sh: no incident $2" >&2; exit 1; }
  printf '%s %s\n' "$3" "$4" >>"$dir/$2"
  echo "$2 $3"
  ;;
*)
  echo "usage: incident.sh create TITLE | update ID STATUS TEXT" >&2
  exit 2
  ;;
esac
