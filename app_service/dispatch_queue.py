"""The dispatch queue over the SQL procedures: ready tick, claim, complete, fail, reclaim."""

from __future__ import annotations

from datetime import timedelta

import psycopg

from app_service.db import one, rows
from app_service.models import ClaimedMessage
from app_service.queries import Q


def mark_ready(conn: psycopg.Connection, limit: int = 10_000) -> int:
    """Due messages of active campaigns become ready; returns how many."""
    return int(one(conn, Q.mark_ready, {"limit": limit})[0])


def claim(
    conn: psycopg.Connection,
    worker: str,
    limit: int = 100,
    lease: timedelta = timedelta(seconds=60),
) -> list[ClaimedMessage]:
    """Lease up to `limit` ready messages to `worker` (SKIP LOCKED: workers never collide)."""
    found = rows(conn, Q.claim_batch, {"worker": worker, "limit": limit, "lease": lease})
    return [ClaimedMessage(**r) for r in found]


def complete(
    conn: psycopg.Connection,
    worker: str,
    ids: list[int],
    provider_ids: list[str | None] | None = None,
    segments: list[int | None] | None = None,
) -> set[int]:
    """Mark sent, with the provider's ids and (SMS) the segments billed; returns the ids that
    were still this worker's (the others lost their lease)."""
    params = {"worker": worker, "ids": ids, "provider_ids": provider_ids, "segments": segments}
    found = rows(conn, Q.complete_messages, params)
    return {r["complete_messages"] for r in found}


def fail(
    conn: psycopg.Connection, worker: str, failures: list[tuple[int, str, bool]]
) -> dict[int, str]:
    """Record (id, error, permanent) failures; returns each message's new status
    (retry, dead or failed). Messages no longer leased to `worker` are left alone."""
    if not failures:
        return {}
    ids, errors, permanent = (list(x) for x in zip(*failures, strict=True))
    found = rows(
        conn,
        Q.fail_messages,
        {"worker": worker, "ids": ids, "errors": errors, "permanent": permanent},
    )
    return {r["id"]: r["status"] for r in found}


def reclaim_expired_leases(conn: psycopg.Connection) -> int:
    """Messages whose worker's lease ran out go back to ready (or dead); returns how many."""
    return int(one(conn, Q.reclaim_expired_leases)[0])


STALE_LOAD_AGE = timedelta(minutes=30)
"""A synchronous load still 'received' after this long died with its process."""


def fail_stale_loads(conn: psycopg.Connection, age: timedelta = STALE_LOAD_AGE) -> int:
    """Fail packets whose load was interrupted (a dead process, an expired background-load
    lease); nothing of them was committed."""
    return int(one(conn, Q.fail_stale_packets, {"age": age})[0])


def purge_drafts(conn: psycopg.Connection) -> int:
    """Drop the dashboard's checked-but-never-loaded files after a day."""
    return int(one(conn, Q.purge_packet_drafts)[0])


def refresh_packet_states(conn: psycopg.Connection) -> int:
    """Packets whose messages started moving become dispatching; finished ones completed."""
    return int(one(conn, Q.refresh_packet_states)[0])
