#!/usr/bin/env bash
# Lint, type-check, then run the whole suite on SQLite and, when a server answers, PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
if [ -z "${LIAISON_TEST_POSTGRES_URL:-}" ]; then
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export LIAISON_TEST_POSTGRES_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
  else
    echo "note: no PostgreSQL answers on 127.0.0.1:5432; PostgreSQL tests will be skipped" >&2
  fi
fi
echo "== ruff"; $BIN/ruff check . && $BIN/ruff format --check . >/dev/null
echo "== mypy"; $BIN/mypy .
echo "== pytest"; exec $BIN/pytest -q -p no:cacheprovider "$@"
