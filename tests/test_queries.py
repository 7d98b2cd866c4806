"""The SQL layer is checkable: every named query the code references exists in db/queries.sql,
every query there is used by the code, and each parses and plans in PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from app_service import PROJECT_ROOT
from app_service.queries import Q, parse

REFERENCE = re.compile(r"\bQ\.([a-z_][a-z0-9_]*)")
PREPARABLE = re.compile(r"^\s*(--[^\n]*\n\s*)*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES)\b", re.I)


def _referenced(folder: Path) -> set[str]:
    return {m for p in folder.rglob("*.py") for m in REFERENCE.findall(p.read_text("utf-8"))}


def test_every_referenced_query_exists_and_every_query_is_used():
    defined = set(Q.names())
    # the harnesses in tools/ (the drills run in CI) run named queries too
    used = _referenced(PROJECT_ROOT / "app_service") | _referenced(PROJECT_ROOT / "tools")
    assert used - defined == set(), "referenced but not defined in db/queries.sql"
    assert defined - used == set(), "defined in db/queries.sql but used by no code"
    # the tests and benchmarks name only queries that exist
    for folder in ("tests", "bench"):
        assert _referenced(PROJECT_ROOT / folder) - defined - {"names"} == set(), folder


def test_a_duplicate_or_empty_query_is_refused():
    with pytest.raises(ValueError, match="defined twice"):
        parse("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")
    with pytest.raises(ValueError, match="empty"):
        parse("-- name: a\n\n")


def test_every_query_parses_and_plans(conn: psycopg.Connection):
    """PREPARE each statement (listmonk checks its queries at boot the same way): a typo in a
    column or a function shows up here, not in the first request that runs it."""
    for name in Q.names():
        statement = getattr(Q, name)
        if not PREPARABLE.match(statement):
            continue  # COPY, CALL, SET, ANALYZE cannot be prepared
        # psycopg placeholders to PostgreSQL's: each %(x)s becomes $n of type unknown
        names: list[str] = []

        def number(m: re.Match, names: list[str] = names) -> str:
            if m.group(1) not in names:
                names.append(m.group(1))
            return f"${names.index(m.group(1)) + 1}"

        native = re.sub(r"%\((\w+)\)s", number, statement).replace("%%", "%")
        with conn.transaction():
            try:
                conn.execute(f"PREPARE check_{name} AS {native}")
            except psycopg.Error as exc:
                pytest.fail(f"query {name}: {exc.diag.message_primary}")
            conn.execute(f"DEALLOCATE check_{name}")
