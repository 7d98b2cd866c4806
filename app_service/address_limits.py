"""Per-address windows shared by every API process (a failed sign-in, a keyless request): the
database counts, so a limit holds across tasks and restarts."""

from __future__ import annotations

import psycopg

from app_service.db import one
from app_service.queries import Q


def hit(conn: psycopg.Connection, bucket: str, address: str) -> tuple[int, int] | None:
    """Count one event; (events in the window, seconds until it frees)."""
    found = one(conn, Q.api_address_hit, {"bucket": bucket, "address": address})
    return (found[0], found[1]) if found else None


def count(conn: psycopg.Connection, bucket: str, address: str) -> tuple[int, int] | None:
    """The same, counting nothing."""
    found = one(conn, Q.api_address_count, {"bucket": bucket, "address": address})
    return (found[0], found[1]) if found else None
