"""Load a packet into the database (its state is read by packet_state.py).

load_packet() runs the whole ingest for one packet:
1. register it (its own transaction, so a failure can be recorded against it);
2. in one transaction: COPY the rows into the session's packet_inbox, record the checksum,
   validate_packet() and plan_packet(). Any error rolls all of it back and the packet is
   marked failed with the reason. A packet is never left half-loaded.
The same content for the same campaign (checksum), or the same idempotency key, returns the
packet that already exists and loads nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
from collections.abc import Callable
from typing import IO

import psycopg
from psycopg import errors

from app_service import telemetry, templates
from app_service.db import one, rows
from app_service.models import LoadResult, Snapshot
from app_service.packet_source import PacketFormatError, PacketSource, ReadProgress
from app_service.packet_state import packet_status, row_error_dict, row_errors, summary
from app_service.queries import Q

log = logging.getLogger(__name__)

ProgressCallback = Callable[[ReadProgress], None]
PROGRESS_EVERY = 10_000


EMPTY_PACKET = "the packet holds no rows"
SNAPSHOT_LIMIT_SQLSTATE = "RM001"  # raised by plan_packet (db/procedures/050_packets.sql)


class _Duplicate(Exception):
    def __init__(self, existing: int):
        self.existing = existing


class _Refused(Exception):
    """The snapshot would cancel more than the account allows: nothing of the load is kept."""

    def __init__(self, reason: str, detail: dict):
        self.reason = reason
        self.detail = detail


class _DryRunDone(Exception):
    def __init__(self, result: LoadResult):
        self.result = result


def load_packet(
    conn: psycopg.Connection,
    campaign_id: int,
    source: PacketSource,
    *,
    idempotency_key: str | None = None,
    progress: ProgressCallback | None = None,
    snapshot: Snapshot | None = None,
    dry_run: bool = False,
    plan_rows: int = 0,
) -> LoadResult:
    """Load, validate and plan one packet. `conn` must be in autocommit mode.

    With `dry_run`, everything runs in one transaction that is rolled back: the result's
    `preview` says what the load would do, and nothing (not even the packet) is kept; with
    `plan_rows`, also what each of the first rows would do and how the first message reads."""
    if not conn.autocommit:
        raise ValueError("load_packet needs an autocommit connection: it manages its transactions")
    if dry_run:
        if idempotency_key is not None:
            raise ValueError("a dry run keeps nothing, so it takes no idempotency key")
        try:
            with conn.transaction():
                _load(
                    conn,
                    campaign_id,
                    source,
                    None,
                    progress,
                    snapshot,
                    dry_run=True,
                    plan_rows=plan_rows,
                )
        except _DryRunDone as done:
            return done.result
        raise AssertionError("a dry run always ends in _DryRunDone")
    return _load(conn, campaign_id, source, idempotency_key, progress, snapshot, dry_run=False)


def _load(
    conn: psycopg.Connection,
    campaign_id: int,
    source: PacketSource,
    idempotency_key: str | None,
    progress: ProgressCallback | None,
    snapshot: Snapshot | None,
    *,
    dry_run: bool,
    stored: int | None = None,
    plan_rows: int = 0,
) -> LoadResult:
    if stored is None:
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
    else:
        packet_id = stored
    problem = None
    try:
        with conn.transaction():
            _copy_rows(conn, source, progress)
            try:
                with conn.transaction():
                    (n,) = one(
                        conn,
                        Q.mark_packet_loaded,
                        {"packet_id": packet_id, "checksum": load_checksum(source, snapshot)},
                    )
            except errors.UniqueViolation:
                (existing,) = one(
                    conn,
                    Q.packet_by_checksum,
                    {"campaign_id": campaign_id, "checksum": load_checksum(source, snapshot)},
                )
                raise _Duplicate(existing) from None
            if not n:
                problem = "empty"
                raise PacketFormatError(EMPTY_PACKET)
            if snapshot is not None:
                conn.execute(Q.set_packet_snapshot, _snapshot_params(packet_id, snapshot))
            conn.execute(Q.validate_packet, {"packet_id": packet_id})
            try:
                with conn.transaction():
                    conn.execute(Q.plan_packet, {"packet_id": packet_id})
            except psycopg.Error as exc:
                if exc.sqlstate != SNAPSHOT_LIMIT_SQLSTATE:
                    raise
                detail = json.loads(exc.diag.message_detail or "{}")
                raise _Refused(exc.diag.message_primary or "snapshot refused", detail) from None
            if dry_run:
                raise _DryRunDone(_preview(conn, packet_id, plan_rows))
            if stored is not None:
                conn.execute(Q.finish_packet_load, {"packet_id": packet_id})
    except _DryRunDone:
        raise
    except _Duplicate as dup:
        if dry_run:
            raise _DryRunDone(
                _result(conn, dup.existing, created=False, duplicate_of=dup.existing)
            ) from None
        if stored is not None:  # its caller holds its URL: failed with the reason, not removed
            reason = f"packet {dup.existing} already holds this content; nothing loaded again"
            conn.execute(Q.fail_packet, {"packet_id": packet_id, "reason": reason})
            return _result(conn, packet_id, created=True, duplicate_of=dup.existing)
        conn.execute(Q.delete_packet, {"packet_id": packet_id})
        log.info(
            "packet content already loaded",
            extra={"packet_id": dup.existing, "campaign_id": campaign_id},
        )
        return _result(conn, dup.existing, created=False, duplicate_of=dup.existing)
    except _Refused as refused:
        # the caller may send it again (with force, or the same idempotency key): keep nothing
        if stored is not None:
            conn.execute(Q.fail_packet, {"packet_id": packet_id, "reason": refused.reason})
            return dataclasses.replace(
                _result(conn, packet_id, created=True, duplicate_of=None),
                problem="snapshot_limit",
                detail=refused.detail,
            )
        if not dry_run:
            conn.execute(Q.delete_packet, {"packet_id": packet_id})
        log.info("snapshot refused", extra={"packet_id": packet_id, "campaign_id": campaign_id})
        result = LoadResult(
            packet_id=packet_id,
            status="refused",
            created=False,
            duplicate_of=None,
            rows_submitted=0,
            rows_accepted=0,
            rows_rejected=0,
            messages_planned=0,
            failure_reason=refused.reason,
            problem="snapshot_limit",
            detail=refused.detail,
        )
        if dry_run:
            raise _DryRunDone(result) from None
        return result
    except PacketFormatError as exc:
        if dry_run:
            raise _DryRunDone(_refused(packet_id, str(exc), problem or "unreadable")) from None
        conn.execute(Q.fail_packet, {"packet_id": packet_id, "reason": str(exc)})
        log.info("packet failed: %s", exc, extra={"packet_id": packet_id})
        problem = problem or "unreadable"
    except psycopg.Error as exc:
        reason = (
            f"database error {exc.sqlstate or ''}: {exc.diag.message_primary or type(exc).__name__}"
        )
        if dry_run:
            raise
        conn.execute(Q.fail_packet, {"packet_id": packet_id, "reason": reason})
        log.warning("packet failed: %s", reason, extra={"packet_id": packet_id})
    except BaseException:
        # a bug or an interrupt: the packet is failed, never left 'received', and the error goes on
        if not dry_run and not conn.closed and not conn.broken:
            conn.execute(
                Q.fail_packet,
                {"packet_id": packet_id, "reason": "load aborted by an internal error"},
            )
        raise
    result = _result(conn, packet_id, created=True, duplicate_of=None)
    result = dataclasses.replace(result, problem=problem if result.status == "failed" else None)
    telemetry.packet_loaded(result)  # from every intake path: API, CLI, dashboard, loader
    return result


UPLOAD_CHUNK = 1 << 20
"""A stored upload's chunk size (packet_uploads rows)."""


def store_upload(
    conn: psycopg.Connection,
    campaign_id: int,
    stream: IO[bytes],
    *,
    kind: str,
    content_type: str,
    idempotency_key: str | None = None,
    snapshot: Snapshot | None = None,
) -> LoadResult:
    """Keep a big upload for a worker to load (packet_loader): the packet is created
    'receiving' with its body in one transaction, so a process that dies mid-upload leaves
    nothing. The same idempotency key returns the packet already there."""
    if not conn.autocommit:
        raise ValueError("store_upload needs an autocommit connection: it manages its transaction")
    digest = hashlib.sha256()
    size = 0
    with conn.transaction():
        packet_id, created = one(
            conn,
            Q.create_packet,
            {"campaign_id": campaign_id, "source": kind, "filename": None, "key": idempotency_key},
        )
        if not created:
            return _result(conn, packet_id, created=False, duplicate_of=packet_id)
        if snapshot is not None:
            conn.execute(Q.set_packet_snapshot, _snapshot_params(packet_id, snapshot))
        # one INSERT a chunk: COPY FROM is not allowed under row-level security (API requests)
        for seq in itertools.count():
            chunk = stream.read(UPLOAD_CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
            conn.execute(Q.store_packet_upload, {"packet_id": packet_id, "seq": seq, "data": chunk})
        conn.execute(
            Q.mark_packet_receiving,
            {
                "packet_id": packet_id,
                "bytes": size,
                "content_type": content_type,
                "checksum": digest.digest(),
            },
        )
    log.info("packet stored for a background load", extra={"packet_id": packet_id})
    return _result(conn, packet_id, created=True, duplicate_of=None)


def load_stored(
    conn: psycopg.Connection,
    packet_id: int,
    campaign_id: int,
    source: PacketSource,
    *,
    progress: ProgressCallback | None = None,
) -> LoadResult:
    """Load a packet stored by store_upload (a worker holds it 'loading')."""
    found = rows(conn, Q.packet_snapshot_of, {"packet_id": packet_id})
    snapshot = None
    if found and found[0]["snapshot_from"] is not None:
        r = found[0]
        locations = r["snapshot_locations"]
        snapshot = Snapshot(
            r["snapshot_from"],
            r["snapshot_to"],
            tuple(locations) if locations else None,
            r["snapshot_force"],
        )
    return _load(
        conn, campaign_id, source, None, progress, snapshot, dry_run=False, stored=packet_id
    )


def load_checksum(source: PacketSource, snapshot: Snapshot | None) -> bytes:
    """What makes two loads the same load: the content, and the snapshot scope it claims
    (the same list as a snapshot of another day is another load). Valid once the source
    has been read to its end."""
    if snapshot is None:
        return source.checksum
    scope = json.dumps(_snapshot_params(0, snapshot), default=str, sort_keys=True).encode()
    return hashlib.sha256(source.checksum + scope).digest()


def _refused(packet_id: int, reason: str, problem: str) -> LoadResult:
    return LoadResult(
        packet_id=packet_id,
        status="failed",
        created=False,
        duplicate_of=None,
        rows_submitted=0,
        rows_accepted=0,
        rows_rejected=0,
        messages_planned=0,
        failure_reason=reason,
        problem=problem,  # type: ignore[arg-type]
    )


def _snapshot_params(packet_id: int, snapshot: Snapshot) -> dict:
    return {
        "packet_id": packet_id,
        "starts_from": snapshot.starts_from,
        "starts_to": snapshot.starts_to,
        "locations": list(snapshot.locations) if snapshot.locations else None,
        "force": snapshot.force,
    }


DRY_RUN_ERRORS = 100
"""Rejected rows a dry run reports (the first ones, in row order)."""


def _sample(conn: psycopg.Connection, packet_id: int) -> dict | None:
    """The first message the load would send, rendered as the worker would (links, which are
    per message, stay samples); None when it sends nothing."""
    found = rows(conn, Q.dry_run_sample, {"packet_id": packet_id})
    if not found:
        return None
    m = found[0]
    fields = {
        **(m["merge_fields"] or {}),
        "first_name": m["first_name"] or "",
        "last_name": m["last_name"] or "",
        "location": m["location"] or "",
        **templates.appointment_fields(m["starts_at"], m["timezone"]),
    }
    try:
        shown = templates.preview(m["channel"], m["template"], m["subject"], fields)
    except (templates.TemplateInvalid, templates.TemplateUnrenderable) as exc:
        return {"channel": m["channel"], "error": str(exc)}
    return {"channel": m["channel"], **shown}


def _preview(conn: psycopg.Connection, packet_id: int, plan_rows: int = 0) -> LoadResult:
    """What the load did inside the transaction about to be rolled back."""
    status = packet_status(conn, packet_id)
    assert status is not None
    preview = summary(status) | {
        "dry_run": True,
        "row_errors": [
            row_error_dict(e) for e in row_errors(conn, packet_id, limit=DRY_RUN_ERRORS)
        ],
    }
    return LoadResult(
        packet_id=packet_id,
        status=status.status,
        created=False,
        duplicate_of=None,
        rows_submitted=status.rows_submitted,
        rows_accepted=status.rows_accepted,
        rows_rejected=status.rows_rejected,
        messages_planned=status.messages_planned,
        failure_reason=status.failure_reason,
        preview=preview,
        row_plans=(
            rows(conn, Q.dry_run_row_plans, {"packet_id": packet_id, "rows": plan_rows})
            if plan_rows
            else None
        ),
        sample=_sample(conn, packet_id) if plan_rows else None,
    )


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


def cancel_packet(conn: psycopg.Connection, packet_id: int) -> int:
    """Cancel a packet's pending messages; returns how many were cancelled."""
    return int(one(conn, Q.cancel_packet, {"packet_id": packet_id})[0])


__all__ = ["PacketFormatError", "cancel_packet", "load_packet"]
