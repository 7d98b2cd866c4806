"""Reading messages: one with its delivery events, a filtered page of an account's, and what a
signed link in a message points at. (Sending is the worker's; planning is packets'.)"""

from __future__ import annotations

from datetime import datetime

import psycopg

from app_service.db import one, rows
from app_service.queries import Q


def get_message(conn: psycopg.Connection, message_id: int) -> dict | None:
    found = rows(conn, Q.get_message, {"id": message_id})
    return found[0] if found else None


def delivery_events(conn: psycopg.Connection, message_id: int) -> list[dict]:
    return rows(conn, Q.message_events, {"message_id": message_id})


def list_messages(
    conn: psycopg.Connection,
    account_id: int,
    *,
    after: tuple[int, int],
    limit: int,
    statuses: list[str] | None = None,
    send_from: datetime | None = None,
    send_to: datetime | None = None,
    campaign_id: int | None = None,
) -> list[dict]:
    """Ordered by (packet, id); `after` is the last (packet, id) of the previous page."""
    return rows(
        conn,
        Q.list_messages,
        {
            "account_id": account_id,
            "after_packet": after[0],
            "after_id": after[1],
            "statuses": statuses,
            "send_from": send_from,
            "send_to": send_to,
            "campaign_id": campaign_id,
            "limit": limit,
        },
    )


def link_target(conn: psycopg.Connection, message_id: int) -> dict | None:
    """What a survey, review or unsubscribe link of the message leads to."""
    found = rows(conn, Q.link_target, {"message_id": message_id})
    return found[0] if found else None


def record_click(conn: psycopg.Connection, message_id: int, target: str) -> None:
    one(conn, Q.record_click, {"message_id": message_id, "target": target})


def unsubscribe_email(conn: psycopg.Connection, message_id: int) -> None:
    """The recipient of an email unsubscribed from its link (RFC 8058 one-click included)."""
    one(conn, Q.unsubscribe_email, {"message_id": message_id})
