#!/usr/bin/env bash
# The packet-rules property test with many more sequences than CI runs (default 5,000):
# PostgreSQL's planning against the plain-Python model in tests/oracle.py.
#   bench/oracle_soak.sh [EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
REMINDERLY_ORACLE_EXAMPLES="${1:-5000}" .venv/bin/python -m pytest tests/test_oracle.py -q \
    -p no:cacheprovider --hypothesis-show-statistics
