"""The local outbox: the provider of development and tests, a table that records what would
have been sent (recipient, text, headers) instead of calling SES or End User Messaging."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import psycopg

from app_service.db import rows
from app_service.queries import Q


class Outgoing(Protocol):
    message_id: int
    account_id: int
    channel: str
    recipient: str
    subject: str | None
    body: str
    headers: dict


def use_async_commit(conn: psycopg.Connection) -> None:
    """The outbox's writes may lose their last milliseconds in a crash, as a provider's
    acceptance can: the send marker, not the outbox row, is what exactly-once rests on."""
    conn.execute(Q.outbox_async_commit)


def put_many(
    conn: psycopg.Connection, messages: Sequence[Outgoing], sent_at: list[datetime]
) -> None:
    """One group commit for every send that arrived while the last write ran."""
    conn.execute(
        Q.outbox_put_many,
        {
            "message_ids": [m.message_id for m in messages],
            "account_ids": [m.account_id for m in messages],
            "channels": [m.channel for m in messages],
            "recipients": [m.recipient for m in messages],
            "subjects": [m.subject for m in messages],
            "bodies": [m.body for m in messages],
            "headers": [json.dumps(m.headers) for m in messages],
            "sent_ats": sent_at,
        },
    )


def recent(conn: psycopg.Connection, limit: int = 20) -> list[dict]:
    """What the outbox "sent", newest first."""
    return rows(conn, Q.outbox_list, {"limit": limit})
