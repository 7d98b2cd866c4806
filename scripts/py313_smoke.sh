#!/usr/bin/env bash
# Install-and-flow smoke run on another Python (default: 3.13, the default of Debian 13,
# Fedora and Homebrew): a fresh venv, the package installed from its wheel without extras, the embedded PostgreSQL,
# the demo, the worker until idle, and messages in the outbox.
#   scripts/py313_smoke.sh [PYTHON]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-}"
if [ -z "$PY" ]; then
  for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python /usr/bin/python3.13 python3.13; do
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then
      PY="$candidate"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "py313 smoke: no Python 3.13 on this machine" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'REMINDERLY_DATA_DIR="$work/data" "$work/venv/bin/reminderly" db stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$PY" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet .  # a wheel, not editable: db/ and openapi/ ship inside it
"$work/venv/bin/python" --version
cd "$work"  # the flow runs outside the checkout: the installed package finds its own files
export REMINDERLY_DATA_DIR="$work/data"
unset DATABASE_URL
"$work/venv/bin/reminderly" db start
"$work/venv/bin/reminderly" demo --packets 1 --rows 20 >/dev/null
"$work/venv/bin/reminderly" worker --until-idle 2>/dev/null
sent=$("$work/venv/bin/reminderly" outbox | grep -c . || true)
echo "py313 smoke: the worker sent $sent messages into the outbox"
[ "$sent" -gt 0 ]
