#!/usr/bin/env bash
# A scripted tour of Scout on the local CRM: seed, create the scout_* fields, a dry run,
# a live run, and the provenance log. Needs PostgreSQL; by default it creates (or
# recreates) the database scout_walkthrough on 127.0.0.1:5432 as user postgres.
# Set DATABASE_URL to use another, empty, database instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${DATABASE_URL:-}" ]]; then
  admin="${SCOUT_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  psql "$admin" -q -c 'drop database if exists scout_walkthrough with (force)' -c 'create database scout_walkthrough'
  export DATABASE_URL="${admin%/*}/scout_walkthrough"
fi
export SCOUT_EXTRACTOR=replay SCOUT_REPLAY_FILE=examples/pipeline.replay.json
scout() { node bin/scout.js "$@"; }
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step scout migrate;                               scout migrate
step scout policy check;                         scout policy check
step scout crm seed examples/pipeline.seed.json; scout crm seed examples/pipeline.seed.json
step LIVE_WRITES=1 scout setup-fields --apply;   LIVE_WRITES=1 scout setup-fields --apply
step scout run;                                  scout run
step scout run --apply '(LIVE_WRITES unset)';    scout run --apply
step LIVE_WRITES=1 scout run --apply;            LIVE_WRITES=1 scout run --apply
step scout log;                                  scout log
printf '\nDone. The database is %s; try `scout crm dump` or `scout log --json`.\n' "$DATABASE_URL"
