"""API keys: generated here, shown once, stored as a SHA-256 hash, found by a non-secret prefix.

A key reads `rmd_<prefix>_<secret>`: the prefix (12 characters) names the key in logs, lists
and the dashboard; the secret (43 characters, 256 bits) never leaves the response that
created it. Scopes: read (GET), write (read + changes), admin (write + keys). The operator
scope (creating accounts) belongs to the platform's operators: only the CLI grants it, and it
implies no scope in the key's own account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

import psycopg

from app_service.db import one, rows
from app_service.queries import Q

SCOPES = ("read", "write", "admin")
OPERATOR = "operator"
ALL_SCOPES = (*SCOPES, OPERATOR)
_KEY = re.compile(r"^rmd_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class NewKey:
    """A key just created: `token` is the only time the secret is visible."""

    token: str
    record: dict


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def parse_token(token: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    match = _KEY.match(token)
    return match.group(1) if match else None


def effective_scopes(granted: list[str]) -> frozenset[str]:
    """admin implies write, write implies read."""
    out = set(granted)
    if "admin" in out:
        out.add("write")
    if "write" in out:
        out.add("read")
    return frozenset(out)


def create_key(
    conn: psycopg.Connection,
    account_id: int,
    name: str,
    scopes: list[str],
    *,
    rate_limit_per_minute: int = 6000,
    operator: bool = False,
) -> NewKey:
    """A new key. `operator=True` (the CLI only) may grant the operator scope."""
    allowed = ALL_SCOPES if operator else SCOPES
    bad = [s for s in scopes if s not in allowed]
    if bad or not scopes:
        raise ValueError(f"scopes must be a non-empty subset of {', '.join(allowed)}")
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    token = f"rmd_{prefix}_{secrets.token_urlsafe(32)}"
    record = rows(
        conn,
        Q.create_api_key,
        {
            "account_id": account_id,
            "name": name,
            "prefix": prefix,
            "hash": hash_token(token),
            "scopes": sorted(set(scopes), key=ALL_SCOPES.index),
            "rate_limit": rate_limit_per_minute,
        },
    )[0]
    return NewKey(token=token, record=record)


def list_keys(conn: psycopg.Connection, account_id: int, *, after: int, limit: int) -> list[dict]:
    return rows(conn, Q.list_api_keys, {"account_id": account_id, "after": after, "limit": limit})


def revoke_key(conn: psycopg.Connection, account_id: int, key_id: int) -> dict | None:
    found = rows(conn, Q.revoke_api_key, {"account_id": account_id, "id": key_id})
    return found[0] if found else None


@dataclass(frozen=True)
class Caller:
    """Who a request acts for, after authentication."""

    key_id: int
    account_id: int
    scopes: frozenset[str]
    prefix: str


@dataclass(frozen=True)
class AuthResult:
    caller: Caller | None
    rate_limited: bool = False
    retry_after: int = 0  # seconds until the key's window resets
    limit: int = 0  # the key's requests per minute
    used: int = 0  # requests counted in this window, this one included


def authenticate(conn: psycopg.Connection, token: str) -> AuthResult:
    """Check a bearer token, count it against its key's per-minute limit, and switch the
    connection to the key's tenant (row-level security applies from here on)."""
    prefix = parse_token(token)
    if prefix is None:
        return AuthResult(None)
    row = one(conn, Q.api_authenticate, {"prefix": prefix, "hash": hash_token(token)})
    if row is None:
        return AuthResult(None)
    key_id, account_id, scopes, limit, count, retry_after = row
    caller = Caller(int(key_id), int(account_id), effective_scopes(scopes), prefix)
    return AuthResult(
        caller,
        rate_limited=count > limit,
        retry_after=int(retry_after),
        limit=int(limit),
        used=int(count),
    )


def purge_expired_records(conn: psycopg.Connection) -> int:
    """Drop idempotency records past their 24 hours and spent rate windows; how many records."""
    (n,) = one(conn, Q.purge_api_bookkeeping)
    return int(n)
