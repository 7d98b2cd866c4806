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


def analyze_hot_tables(conn: psycopg.Connection) -> None:
    """Refresh the planner statistics of the hot tables (after a big load or purge)."""
    conn.execute(Q.analyze_hot_tables)


# --- the worker's side of a batch (app_service/worker/runner.py) ------------------------------


def pending_soon(conn: psycopg.Connection) -> bool:
    """Whether any message is pending or falls due soon (an --until-idle worker stops if not)."""
    (n,) = one(conn, Q.pending_soon)
    return n > 0


def release_leases(conn: psycopg.Connection, worker: str, ids: list[int]) -> int:
    """Give back a claimed batch untouched (a stop before anything was handed over)."""
    (n,) = one(conn, Q.release_leases, {"worker": worker, "ids": ids})
    return int(n)


def messages_for_send(conn: psycopg.Connection, ids: list[int]) -> dict[int, dict]:
    """What rendering and sending need of each message (template, customer, appointment)."""
    return {r["id"]: r for r in rows(conn, Q.message_for_send, {"ids": ids})}


def lock_customers(conn: psycopg.Connection, customer_ids: list[int]) -> None:
    """The session locks record_consent takes: an opt-out waits for the batch's sends."""
    one(conn, Q.customer_send_locks, {"customer_ids": sorted(customer_ids)})


def unlock_customers(conn: psycopg.Connection) -> None:
    one(conn, Q.customer_send_unlock_all)


def begin_sends(conn: psycopg.Connection, worker: str, ids: list[int]) -> dict[int, str]:
    """The send markers of a group in one commit: each message's verdict ('send', or why not:
    lost lease, opted out, capped)."""
    found = rows(conn, Q.begin_send_many, {"worker": worker, "ids": ids})
    return {r["id"]: r["verdict"] for r in found}


def abandon_sends(conn: psycopg.Connection, worker: str, ids: list[int]) -> int:
    """Give back messages claimed but not handed over (a stop mid-batch)."""
    (n,) = one(conn, Q.abandon_sends, {"worker": worker, "ids": ids})
    return int(n)


def backlog(conn: psycopg.Connection) -> tuple[int, float, int]:
    """(ready messages, age in seconds of the oldest, workers alive): the tick's metrics."""
    ready, oldest, workers = one(conn, Q.dispatch_backlog)
    return int(ready), float(oldest), int(workers)


def heartbeat(conn: psycopg.Connection, worker: str, **state: object) -> tuple[object, object]:
    """Record a worker's beat (host, pid, sent, failed, state): (when an operator asked it to
    drain, or None; the beat's committed time)."""
    drain, beat_at = one(conn, Q.heartbeat, {"worker": worker, **state})
    return drain, beat_at
