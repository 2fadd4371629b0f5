#!/usr/bin/env bash
# Static checks: ruff, mypy (strict on app/domain and app/services), import-linter layers.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/ruff" check app tests bench scripts
"$VENV/bin/mypy" app
"$VENV/bin/lint-imports"
