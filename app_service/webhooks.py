"""Webhook endpoints of an account: the URL, the event types it wants, its signing secret
(`whsec_` + 24 random bytes in base64, shown once; rotated with an overlap during which both
secrets sign), its delivery attempts, and manual replays. Delivery itself is
app_service/webhook_delivery.py."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta

import psycopg

from app_service import events, safe_http
from app_service.db import one, rows
from app_service.queries import Q

MAX_OVERLAP = timedelta(days=7)
DEFAULT_OVERLAP = timedelta(hours=24)


class InvalidEndpoint(ValueError):
    """A field that cannot be stored, with the field at fault."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check(data: dict, policy: safe_http.Policy) -> None:
    if "url" in data:
        try:
            safe_http.check_url(data["url"], policy)
        except safe_http.Refused as exc:
            raise InvalidEndpoint("url", str(exc)) from None
    for t in data.get("event_types") or []:
        if t not in events.TYPES:
            raise InvalidEndpoint("event_types", f"has an unknown event type {t!r}")


@dataclass(frozen=True)
class Created:
    endpoint: dict
    secret: str


def create(
    conn: psycopg.Connection, account_id: int, data: dict, policy: safe_http.Policy
) -> Created:
    _check(data, policy)
    secret = new_secret()
    found = rows(
        conn,
        Q.create_webhook_endpoint,
        {
            "account_id": account_id,
            "url": data["url"],
            "description": data.get("description"),
            "event_types": sorted(set(data.get("event_types") or [])),
            "enabled": data.get("enabled", True),
            "secret": secret,
        },
    )
    return Created(found[0], secret)


def get(conn: psycopg.Connection, endpoint_id: int) -> dict | None:
    found = rows(conn, Q.get_webhook_endpoint, {"id": endpoint_id})
    return found[0] if found else None


def list_endpoints(conn: psycopg.Connection, account_id: int, after: int, limit: int) -> list:
    return rows(
        conn, Q.list_webhook_endpoints, {"account_id": account_id, "after": after, "limit": limit}
    )


def update(
    conn: psycopg.Connection, endpoint_id: int, data: dict, policy: safe_http.Policy
) -> dict | None:
    _check(data, policy)
    params = {
        "id": endpoint_id,
        "url": data.get("url"),
        "description": data.get("description"),
        "event_types": sorted(set(data.get("event_types") or [])),
        "enabled": data.get("enabled"),
        **{f"set_{k}": k in data for k in ("url", "description", "event_types", "enabled")},
    }
    found = rows(conn, Q.update_webhook_endpoint, params)
    return found[0] if found else None


def delete(conn: psycopg.Connection, endpoint_id: int) -> bool:
    return bool(rows(conn, Q.delete_webhook_endpoint, {"id": endpoint_id}))


def rotate_secret(
    conn: psycopg.Connection, endpoint_id: int, overlap: timedelta = DEFAULT_OVERLAP
) -> Created | None:
    """A new secret; the old one also signs until `overlap` has passed (0: at once)."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise InvalidEndpoint("overlap_seconds", "must be between 0 and 604800")
    secret = new_secret()
    found = rows(
        conn, Q.rotate_webhook_secret, {"id": endpoint_id, "secret": secret, "overlap": overlap}
    )
    return Created(found[0], secret) if found else None


def attempts(conn: psycopg.Connection, endpoint_id: int, before: int, limit: int) -> list[dict]:
    """Newest first; `before` is an attempt id (0: from the newest)."""
    return rows(
        conn,
        Q.list_webhook_attempts,
        {"endpoint_id": endpoint_id, "after": before, "limit": limit},
    )


def replay(conn: psycopg.Connection, endpoint_id: int, event_id: int) -> dict | None:
    """Queue one more delivery of a kept event to the endpoint (same webhook-id: receivers
    that deduplicate see it once); None when either is not the account's."""
    found = rows(conn, Q.replay_webhook_event, {"endpoint_id": endpoint_id, "event_id": event_id})
    return found[0] if found else None


MAX_REPLAY_RANGE = timedelta(days=31)  # longer than events are kept by default


def replay_range(
    conn: psycopg.Connection, endpoint_id: int, since, until, *, only_undelivered: bool = False
) -> int | None:
    """Queue again every kept event of the endpoint's account in [since, until) that its
    event types select (only_undelivered: only those it has no successful delivery of),
    in event order behind each resource's pending deliveries; the recovery for an endpoint
    that was down or disabled. Returns how many were queued; None when the endpoint is not
    the account's."""
    if until <= since:
        raise InvalidEndpoint("until", "must be after since")
    if until - since > MAX_REPLAY_RANGE:
        raise InvalidEndpoint("until", "must be at most 31 days after since")
    if get(conn, endpoint_id) is None:
        return None
    with conn.transaction():
        (n,) = one(
            conn,
            Q.replay_webhook_range,
            {
                "endpoint_id": endpoint_id,
                "from": since,
                "to": until,
                "only_undelivered": only_undelivered,
            },
        )
    return int(n)


def endpoints_overview(conn: psycopg.Connection, account_id: int) -> list[dict]:
    """The account's endpoints with their state and last attempt (the console's list)."""
    return rows(conn, Q.dashboard_webhook_endpoints, {"account_id": account_id})


def pending_deliveries(conn: psycopg.Connection, endpoint_id: int) -> int:
    (pending,) = rows(conn, Q.dashboard_webhook_pending, {"endpoint_id": endpoint_id})[0].values()
    return pending
