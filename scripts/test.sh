#!/usr/bin/env bash
# The whole test suite: static checks, then unit, database (SQLite and PostgreSQL)
# and Qt tests, then the time-sensitive ones at other hours and in other zones (scripts/clock.sh,
# `make clock`). PostgreSQL is taken from INCIDENTDESK_TEST_PG or 127.0.0.1:5432; with CI=true
# an unreachable PostgreSQL fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
bash scripts/lint.sh
export QT_QPA_PLATFORM=offscreen
"$VENV/bin/pytest" -q "$@"
VENV=$VENV bash scripts/clock.sh
