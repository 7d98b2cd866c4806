"""Named SQL statements, loaded from `db/queries.sql`.

Every statement the Python code runs is written once in that file under a `-- name: x`
line (the listmonk layout), so SQL is read and reviewed in one place, not in Python strings.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from app_service.resources import SQL_DIR

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


def parse(text: str) -> dict[str, str]:
    """Split a queries file into {name: statement}; duplicate names are an error."""
    parts = _NAME.split(text)
    found: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in found:
            raise ValueError(f"query {name!r} is defined twice")
        statement = body.strip().rstrip(";").strip()
        if not statement:
            raise ValueError(f"query {name!r} is empty")
        found[name] = statement
    return found


class Queries:
    """Attribute access to named statements: `Q.claim_batch`."""

    def __init__(self, statements: dict[str, str]):
        self._statements = statements

    def __getattr__(self, name: str) -> str:
        try:
            return self._statements[name]
        except KeyError:
            raise AttributeError(f"no query named {name!r} in db/queries.sql") from None

    def names(self) -> list[str]:
        return sorted(self._statements)


@cache
def load(path: Path = SQL_DIR / "queries.sql") -> Queries:
    return Queries(parse(path.read_text(encoding="utf-8")))


Q = load()
