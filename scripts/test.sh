#!/usr/bin/env bash
# Install reminderly with its test extras into .venv (and the pinned CDK CLI into node_modules)
# and run the whole test suite. The suite starts its own throwaway PostgreSQL (or uses
# DATABASE_URL when set).
#   REMINDERLY_BROWSER_TEST=separate  leave the dashboard's browser test to a step of its own
#                                     (the pipeline's BrowserTest step: Ubuntu has no Debian
#                                     chromium package); it is deselected, not skipped
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
npm ci --no-audit --no-fund --loglevel=error  # tests/infra runs the pinned CLI
# checkov (tests/infra/test_checkov.py) pins another boto3 than the app: its own environment
[ -x .venv-checkov/bin/python ] || "$PYTHON" -m venv .venv-checkov
.venv-checkov/bin/python -m pip install --quiet -r requirements-checkov.txt
browser_test=tests/test_dashboard.py::test_in_a_real_browser
extra=()
if [ "${REMINDERLY_BROWSER_TEST:-}" = "separate" ]; then
  extra=(--deselect "$browser_test")
# The dashboard's browser test drives Debian's Chromium (Playwright, no browser download).
elif ! command -v chromium >/dev/null 2>&1; then
  apt=(apt-get -qq -o Dpkg::Use-Pty=0)
  [ "$(id -u)" -eq 0 ] || apt=(sudo "${apt[@]}")
  echo "installing Debian's chromium for the browser test" >&2
  "${apt[@]}" update && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y chromium >/dev/null
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
set +e
# two processes (pytest-xdist; the infrastructure tests together in one of them, see
# tests/infra/conftest.py); REMINDERLY_TEST_PROCESSES=0 runs in this one
.venv/bin/python -m pytest -n "${REMINDERLY_TEST_PROCESSES:-2}" --dist loadgroup "${extra[@]}" "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
