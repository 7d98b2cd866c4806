"""Events for API consumers: the outbox that statement triggers fill in the transaction of
each change (db/procedures/150_events.sql), read as an ordered feed.

Order is (txid, id): the inserting transaction's id, then the event's. A reader only sees
events of transactions older than every transaction still running, so an event committed late
can never appear behind a position a reader has passed (ids alone can: a sequence value is
taken before its transaction commits). A long transaction delays the feed; it never loses an
event."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

import psycopg

from app_service import config
from app_service.db import one, rows
from app_service.queries import Q

TYPES = (
    "packet.ready",
    "packet.failed",
    "message.sent",
    "message.delivered",
    "message.failed",
    "message.dead",
    "reply.received",
    "appointment.confirmed",
    "appointment.cancelled_by_customer",
    "consent.opted_out",
    "consent.opted_in",
    "survey.answered",
    "review.clicked",
    "webhook_endpoint.disabled",
)

DEFAULT_RETENTION = timedelta(days=30)


def retention() -> timedelta:
    """REMINDERLY_EVENT_RETENTION_DAYS (default 30): how long events, deliveries and attempts
    are kept."""
    return timedelta(days=config.current().event_retention_days)


@dataclass(frozen=True)
class Position:
    """A place in the feed: after the event (txid, id)."""

    txid: int = 0
    event_id: int = 0

    def encode(self) -> str:
        raw = f"{self.txid}.{self.event_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        """Raises ValueError for anything this module did not encode."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
            txid, event_id = (int(p) for p in raw.split("."))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise ValueError("not a cursor this API returned") from None
        if not (0 <= txid < 2**63 and 0 <= event_id < 2**63):
            raise ValueError("not a cursor this API returned")
        return cls(txid, event_id)


def envelope(r: dict) -> dict:
    """The JSON an integrator gets, in the feed and as a webhook body (Standard Webhooks'
    type / timestamp / data, with the event's id)."""
    return {
        "id": r["id"],
        "type": r["type"],
        "timestamp": r["occurred_at"].isoformat().replace("+00:00", "Z"),
        "data": r["data"],
    }


def list_events(
    conn: psycopg.Connection,
    account_id: int,
    after: Position = Position(),
    *,
    types: list[str] | None = None,
    limit: int = 100,
) -> list[dict]:
    """Up to `limit` events after `after`, oldest first; each row has its `position`."""
    found = rows(
        conn,
        Q.list_events,
        {
            "account_id": account_id,
            "txid": str(after.txid),
            "after_id": after.event_id,
            "types": types or None,
            "limit": limit,
        },
    )
    for r in found:
        r["position"] = Position(int(r.pop("txid")), r["id"])
    return found


def purge(conn: psycopg.Connection, keep: timedelta | None = None) -> int:
    """Delete events (and finished deliveries, attempts) past retention; returns how many
    events went."""
    return int(one(conn, Q.purge_events, {"retention": keep or retention()})[0])
