#!/usr/bin/env bash
# Install reminderly into .venv and run it locally: embedded PostgreSQL, schema, sample data.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
.venv/bin/reminderly db start
.venv/bin/reminderly demo
echo
echo "The embedded database keeps running; stop it with: .venv/bin/reminderly db stop"
