#!/usr/bin/env bash
# The whole test suite: static checks, then unit, database (SQLite and PostgreSQL)
# and Qt tests, with the line coverage of the domain, the services and the views
# printed after them (`make coverage` lists every file with its missing lines), then the
# time-sensitive ones at other hours and in other zones (scripts/clock.sh, `make clock`).
# PostgreSQL is taken from INCIDENTDESK_TEST_PG or 127.0.0.1:5432; with CI=true
# an unreachable PostgreSQL fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
bash scripts/lint.sh
export QT_QPA_PLATFORM=offscreen
status=0
# one worker per core (pytest-xdist; TEST_JOBS=0 runs them in this process, one at a time)
"$VENV/bin/pytest" -q -n "${TEST_JOBS:-auto}" --cov --cov-report= "$@" || status=$?
if [ -f .coverage ]; then
    echo "Line coverage:"
    for layer in domain services views; do
        printf '  app/%-9s %s%%\n' "$layer" \
            "$("$VENV/bin/coverage" report --include="app/$layer/*" --format=total 2>/dev/null || echo '?')"
    done
fi
[ "$status" -eq 0 ] || exit "$status"
VENV=$VENV bash scripts/clock.sh
