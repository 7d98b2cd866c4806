"""A packet's state as its users read it: status, row and message counts (from the rollups),
what it did in each campaign, the time in each stage, and its rejected rows with reasons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg

from app_service.db import rows
from app_service.models import PacketStatus, RowError, RowIssue, Snapshot
from app_service.queries import Q

_STAGES = (
    ("load", "received_at", "loaded_at"),
    ("validate", "loaded_at", "validated_at"),
    ("plan", "validated_at", "ready_at"),
    ("dispatch", "ready_at", "completed_at"),
)


def packet_status(
    conn: psycopg.Connection, packet_id: int, *, with_reasons: bool = True
) -> PacketStatus | None:
    """A packet's state, row counts, message counts by state (from the rollups), what it did
    in each campaign and the time it spent in each stage; None when it does not exist."""
    found = rows(conn, Q.get_packet, {"packet_id": packet_id})
    if not found:
        return None
    p = found[0]
    counts = state_counts(rows(conn, Q.packet_counts, {"packet_id": packet_id}))
    reasons: list[tuple[str, str, int]] = []
    warnings: list[tuple[str, str, int]] = []
    if with_reasons and p["rows_rejected"]:
        reasons = [
            (r["error_column"], r["reason"], int(r["n"]))
            for r in rows(conn, Q.packet_rejections_by_reason, {"packet_id": packet_id})
        ]
    if with_reasons and p["rows_warned"]:
        warnings = [
            (r["column"], r["reason"], int(r["n"]))
            for r in rows(conn, Q.packet_warnings_by_reason, {"packet_id": packet_id})
        ]
    stages = {
        name: (p[end] - p[start]).total_seconds()
        for name, start, end in _STAGES
        if p[start] is not None and p[end] is not None
    }
    snapshot = None
    if p["snapshot_from"] is not None:
        locations = p["snapshot_locations"]
        snapshot = Snapshot(
            p["snapshot_from"],
            p["snapshot_to"],
            tuple(locations) if locations else None,
            p["snapshot_force"],
        )
    return PacketStatus(
        id=p["id"],
        campaign_id=p["campaign_id"],
        status=p["status"],
        rows_submitted=p["rows_submitted"],
        rows_accepted=p["rows_accepted"],
        rows_rejected=p["rows_rejected"],
        messages_planned=p["messages_planned"],
        appointments={k: p[f"appointments_{k}"] for k in APPOINTMENT_CHANGES},
        messages=counts,
        rejected_by_reason=reasons,
        failure_reason=p["failure_reason"],
        stage_seconds=stages,
        received_at=p["received_at"],
        source=p["source"],
        filename=p["filename"],
        rows_warned=p["rows_warned"],
        warnings_by_reason=warnings,
        effects=list(p["effects"] or []),
        first_send_at=p["first_send_at"],
        snapshot=snapshot,
        rows_read=p["rows_read"],
        body_bytes=p["body_bytes"],
    )


APPOINTMENT_CHANGES = ("new", "moved", "cancelled", "absent", "unchanged")


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def summary(s: PacketStatus) -> dict[str, Any]:
    """The one shape of a load's summary: the library's, the CLI's --json and the API's."""
    return {
        "id": s.id,
        "campaign_id": s.campaign_id,
        "status": s.status,
        "source": s.source,
        "filename": s.filename,
        "rows": {
            "submitted": s.rows_submitted,
            "accepted": s.rows_accepted,
            "rejected": s.rows_rejected,
            "warned": s.rows_warned,
            "read": s.rows_read if s.status in ("receiving", "loading") else s.rows_submitted,
        },
        "body_bytes": s.body_bytes,
        "appointments": s.appointments,
        "messages_planned": s.messages_planned,
        "first_send_at": _ts(s.first_send_at),
        "effects": [
            {
                "campaign_id": int(e["campaign_id"]),
                "planned": int(e["planned"]),
                "suppressed": int(e["suppressed"]),
                "replanned": int(e["replanned"]),
                "cancelled": int(e["cancelled"]),
                "first_send_at": _ts(_parse_ts(e.get("first_send_at"))),
            }
            for e in s.effects
        ],
        "messages": s.messages,
        "rejected_by_reason": [
            {"column": c, "reason": r, "count": n} for c, r, n in s.rejected_by_reason
        ],
        "warnings_by_reason": [
            {"column": c, "reason": r, "count": n} for c, r, n in s.warnings_by_reason
        ],
        "snapshot": None
        if s.snapshot is None
        else {
            "from": _ts(s.snapshot.starts_from),
            "to": _ts(s.snapshot.starts_to),
            "locations": list(s.snapshot.locations) if s.snapshot.locations else None,
            "force": s.snapshot.force,
        },
        "failure_reason": s.failure_reason,
        "stage_seconds": s.stage_seconds,
        "received_at": _ts(s.received_at),
    }


def _parse_ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def row_errors(
    conn: psycopg.Connection, packet_id: int, *, after: int = 0, limit: int = 100
) -> list[RowError]:
    """Rejected rows of a packet in row order, a page at a time (after = last row_no seen),
    each with every error it has."""
    found = rows(conn, Q.row_errors, {"packet_id": packet_id, "after": after, "limit": limit})
    return [
        RowError(
            r["row_no"],
            r["error_column"],
            r["error_reason"],
            r["value"],
            tuple(_issue(e) for e in (r["errors"] or [])),
        )
        for r in found
    ]


def _issue(text: str) -> RowIssue:
    column, _, reason = text.partition(": ")
    return RowIssue(column, reason)


def row_error_dict(e: RowError) -> dict[str, Any]:
    return {
        "row_no": e.row_no,
        "column": e.column,
        "reason": e.reason,
        "value": e.value,
        "errors": [{"column": i.column, "reason": i.reason} for i in e.errors],
    }


def state_counts(found: list[dict]) -> dict[str, int]:
    """Rollup rows (status, reason, n) as {"sent": 3, "suppressed:opted_out": 1}."""
    return {
        (r["status"] if not r["reason"] else f"{r['status']}:{r['reason']}"): int(r["n"])
        for r in found
    }
