#!/usr/bin/env bash
# Runs ruff, the lint contracts, the type check (mypy with django-stubs; cache in .mypy_cache) and the whole suite.
# pytest's exit code 5 (no tests collected) fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
echo "== database: ${DATABASE_URL:-sqlite (default)}"
.venv/bin/ruff check tandem config bench
.venv/bin/lint-imports
.venv/bin/mypy tandem config bench
$PY manage.py makemigrations --check --dry-run >/dev/null || { echo "Missing migrations: run makemigrations"; exit 1; }
set +e
$PY -m pytest -q -n "${PYTEST_WORKERS:-2}" "$@"
rc=$?
set -e
if [ "$rc" = "5" ]; then echo "pytest collected no tests: failing"; exit 1; fi
exit $rc
