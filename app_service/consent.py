"""The consent ledger: opt-outs and opt-ins per customer and channel."""

from __future__ import annotations

import psycopg

from app_service.db import one
from app_service.queries import Q


def record(
    conn: psycopg.Connection,
    customer_id: int,
    channel: str,
    action: str,
    source: str,
    note: str | None = None,
) -> int:
    """Record an opt_in, opt_out or unreachable (a provider's permanent refusal); an opt-out
    suppresses every unsent message to the customer on that channel at once. Returns how many
    messages were suppressed."""
    if channel not in ("sms", "email"):
        raise ValueError("channel must be sms or email")
    if action not in ("opt_in", "opt_out", "unreachable"):
        raise ValueError("action must be opt_in, opt_out or unreachable")
    params = {
        "customer_id": customer_id,
        "channel": channel,
        "action": action,
        "source": source,
        "note": note,
    }
    return int(one(conn, Q.record_consent, params)[0])
