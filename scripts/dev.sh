#!/usr/bin/env bash
# Install reminderly into .venv and run the platform locally: the embedded PostgreSQL, sample
# data, the API (http://127.0.0.1:8080/v1/health) and the worker sending into the local outbox
# (`.venv/bin/reminderly outbox` shows what it sent). Ctrl-C stops the API and the worker.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
.venv/bin/reminderly db start
.venv/bin/reminderly demo
DATABASE_URL="$(.venv/bin/reminderly db url)"
export DATABASE_URL
PORT="${PORT:-8080}" .venv/bin/gunicorn -c python:app_service.gunicorn_conf 'app_service.api:create_app()' &
api=$!
trap 'kill "$api" 2>/dev/null; wait "$api" 2>/dev/null; echo "stopped; the database keeps running: .venv/bin/reminderly db stop"' EXIT
echo "API on http://127.0.0.1:${PORT:-8080}/v1/health; worker starting (Ctrl-C to stop)"
.venv/bin/reminderly worker
