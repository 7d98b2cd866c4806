"""Provider send rates as token buckets in PostgreSQL, shared by every worker: the database
holds the bucket, so N workers together never exceed the rate AWS granted."""

from __future__ import annotations

import psycopg

from app_service.db import one
from app_service.queries import Q


def configure(conn: psycopg.Connection, key: str, per_second: float, burst: float) -> None:
    conn.execute(Q.configure_send_rate, {"key": key, "rate": per_second, "burst": burst})


def take_tokens(conn: psycopg.Connection, key: str, wanted: int) -> tuple[int, float]:
    """(tokens granted, seconds until the next one when none were)."""
    granted, wait = one(conn, Q.take_send_tokens, {"key": key, "wanted": wanted})
    return granted, wait
