#!/usr/bin/env bash
# Install reminderly with its test extras into .venv and run the whole test suite.
# The suite starts its own throwaway PostgreSQL (or uses DATABASE_URL when set).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
# The dashboard's browser test drives Debian's Chromium (Playwright, no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  apt=(apt-get -qq -o Dpkg::Use-Pty=0)
  [ "$(id -u)" -eq 0 ] || apt=(sudo "${apt[@]}")
  echo "installing Debian's chromium for the browser test" >&2
  "${apt[@]}" update && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y chromium >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
