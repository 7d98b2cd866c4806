"""Load a packet into the database and read its status.

load_packet() runs the whole ingest for one packet:
1. register it (its own transaction, so a failure can be recorded against it);
2. in one transaction: COPY the rows into the session's packet_inbox, record the checksum,
   validate_packet() and plan_packet(). Any error rolls all of it back and the packet is
   marked failed with the reason. A packet is never left half-loaded.
The same content for the same campaign (checksum), or the same idempotency key, returns the
packet that already exists and loads nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg
from psycopg import errors

from app_service.db import one, rows
from app_service.models import LoadResult, PacketStatus, RowError
from app_service.packet_source import PacketFormatError, PacketSource, ReadProgress
from app_service.queries import Q

log = logging.getLogger(__name__)

ProgressCallback = Callable[[ReadProgress], None]
PROGRESS_EVERY = 10_000


class _Duplicate(Exception):
    def __init__(self, existing: int):
        self.existing = existing


def load_packet(
    conn: psycopg.Connection,
    campaign_id: int,
    source: PacketSource,
    *,
    idempotency_key: str | None = None,
    progress: ProgressCallback | None = None,
) -> LoadResult:
    """Load, validate and plan one packet. `conn` must be in autocommit mode."""
    if not conn.autocommit:
        raise ValueError("load_packet needs an autocommit connection: it manages its transactions")
    packet_id, created = one(
        conn,
        Q.create_packet,
        {
            "campaign_id": campaign_id,
            "source": source.kind,
            "filename": source.filename,
            "key": idempotency_key,
        },
    )
    if not created:
        return _result(conn, packet_id, created=False, duplicate_of=packet_id)
    try:
        with conn.transaction():
            _copy_rows(conn, source, progress)
            try:
                with conn.transaction():
                    conn.execute(
                        Q.mark_packet_loaded, {"packet_id": packet_id, "checksum": source.checksum}
                    )
            except errors.UniqueViolation:
                (existing,) = one(
                    conn,
                    Q.packet_by_checksum,
                    {"campaign_id": campaign_id, "checksum": source.checksum},
                )
                raise _Duplicate(existing) from None
            conn.execute(Q.validate_packet, {"packet_id": packet_id})
            conn.execute(Q.plan_packet, {"packet_id": packet_id})
    except _Duplicate as dup:
        conn.execute(Q.delete_packet, {"packet_id": packet_id})
        log.info(
            "packet content already loaded",
            extra={"packet_id": dup.existing, "campaign_id": campaign_id},
        )
        return _result(conn, dup.existing, created=False, duplicate_of=dup.existing)
    except PacketFormatError as exc:
        conn.execute(Q.fail_packet, {"packet_id": packet_id, "reason": str(exc)})
        log.info("packet failed: %s", exc, extra={"packet_id": packet_id})
    except psycopg.Error as exc:
        reason = (
            f"database error {exc.sqlstate or ''}: {exc.diag.message_primary or type(exc).__name__}"
        )
        conn.execute(Q.fail_packet, {"packet_id": packet_id, "reason": reason})
        log.warning("packet failed: %s", reason, extra={"packet_id": packet_id})
    except BaseException:
        # a bug or an interrupt: the packet is failed, never left 'received', and the error goes on
        if not conn.closed and not conn.broken:
            conn.execute(
                Q.fail_packet,
                {"packet_id": packet_id, "reason": "load aborted by an internal error"},
            )
        raise
    return _result(conn, packet_id, created=True, duplicate_of=None)


def _copy_rows(
    conn: psycopg.Connection, source: PacketSource, progress: ProgressCallback | None
) -> None:
    conn.execute(Q.create_packet_inbox)
    with conn.cursor() as cur, cur.copy(Q.copy_packet_inbox) as copy:
        write = copy.write_row
        for n, row in enumerate(source.rows(), start=1):
            write(row)
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress(source.progress)
    if progress is not None:
        progress(source.progress)


def _result(
    conn: psycopg.Connection, packet_id: int, *, created: bool, duplicate_of: int | None
) -> LoadResult:
    status = packet_status(conn, packet_id, with_reasons=False)
    assert status is not None
    return LoadResult(
        packet_id=packet_id,
        status=status.status,
        created=created,
        duplicate_of=duplicate_of,
        rows_submitted=status.rows_submitted,
        rows_accepted=status.rows_accepted,
        rows_rejected=status.rows_rejected,
        messages_planned=status.messages_planned,
        failure_reason=status.failure_reason,
    )


_STAGES = (
    ("load", "received_at", "loaded_at"),
    ("validate", "loaded_at", "validated_at"),
    ("plan", "validated_at", "ready_at"),
    ("dispatch", "ready_at", "completed_at"),
)


def packet_status(
    conn: psycopg.Connection, packet_id: int, *, with_reasons: bool = True
) -> PacketStatus | None:
    """A packet's state, row counts, message counts by state (from the rollups) and the time
    it spent in each stage; None when it does not exist."""
    found = rows(conn, Q.get_packet, {"packet_id": packet_id})
    if not found:
        return None
    p = found[0]
    counts = state_counts(rows(conn, Q.packet_counts, {"packet_id": packet_id}))
    reasons = []
    if with_reasons and p["rows_rejected"]:
        reasons = [
            (r["error_column"], r["reason"], int(r["n"]))
            for r in rows(conn, Q.packet_rejections_by_reason, {"packet_id": packet_id})
        ]
    stages = {
        name: (p[end] - p[start]).total_seconds()
        for name, start, end in _STAGES
        if p[start] is not None and p[end] is not None
    }
    return PacketStatus(
        id=p["id"],
        campaign_id=p["campaign_id"],
        status=p["status"],
        rows_submitted=p["rows_submitted"],
        rows_accepted=p["rows_accepted"],
        rows_rejected=p["rows_rejected"],
        messages_planned=p["messages_planned"],
        appointments={
            k: p[f"appointments_{k}"] for k in ("new", "moved", "cancelled", "unchanged")
        },
        messages=counts,
        rejected_by_reason=reasons,
        failure_reason=p["failure_reason"],
        stage_seconds=stages,
        received_at=p["received_at"],
        source=p["source"],
        filename=p["filename"],
    )


def row_errors(
    conn: psycopg.Connection, packet_id: int, *, after: int = 0, limit: int = 100
) -> list[RowError]:
    """Rejected rows of a packet in row order, a page at a time (after = last row_no seen)."""
    found = rows(conn, Q.row_errors, {"packet_id": packet_id, "after": after, "limit": limit})
    return [RowError(r["row_no"], r["error_column"], r["error_reason"], r["value"]) for r in found]


def cancel_packet(conn: psycopg.Connection, packet_id: int) -> int:
    """Cancel a packet's pending messages; returns how many were cancelled."""
    return int(one(conn, Q.cancel_packet, {"packet_id": packet_id})[0])


def state_counts(found: list[dict]) -> dict[str, int]:
    """Rollup rows (status, reason, n) as {"sent": 3, "suppressed:opted_out": 1}."""
    return {
        (r["status"] if not r["reason"] else f"{r['status']}:{r['reason']}"): int(r["n"])
        for r in found
    }


__all__ = ["PacketFormatError", "cancel_packet", "load_packet", "packet_status", "row_errors"]
