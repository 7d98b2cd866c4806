"""The account's messages (filtered by status, campaign and send time), and one message with
its events."""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, request

from app_service import message_records
from app_service.api import shapes
from app_service.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from app_service.api.problems import ApiError, not_found
from app_service.api.routes import account_id, conn, ids
from app_service.api.routing import operation

STATUSES = (
    "scheduled",
    "ready",
    "sent",
    "delivered",
    "failed",
    "retry",
    "dead",
    "suppressed",
    "cancelled",
)


def _bad(name: str, detail: str) -> ApiError:
    return ApiError(
        400,
        "Bad Request",
        f"{name}: {detail}",
        errors=[{"parameter": name, "in": "query", "detail": detail}],
    )


def _position(cursor: str | None) -> tuple[int, int]:
    """(packet id, message id) of the last message of the previous page, from the opaque
    cursor (public_ids: no row id shows)."""
    if not cursor:
        return 0, 0
    found = ids().uncursor(cursor)
    if found is None:
        raise _bad("cursor", "is not a cursor this API returned")
    return min(found[0], 2**63 - 1), min(found[1], 2**63 - 1)


def _campaign(raw: str | None) -> int | None:
    """The campaign filter's public id as its row id (0, matching nothing, when not one)."""
    if not raw:
        return None
    return ids().ref(int(raw))


def _statuses(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    wanted = raw.split(",")
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise _bad("status", f"{unknown[0]!r} is not a message status ({', '.join(STATUSES)})")
    return wanted


def _when(name: str) -> datetime | None:
    raw = request.args.get(name)
    return datetime.fromisoformat(raw) if raw else None  # the contract checked date-time


@operation("listMessages")
def list_messages():
    after_packet, after_id = _position(request.args.get("cursor"))
    limit = min(int(request.args.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
    send_from, send_to = _when("send_at_from"), _when("send_at_to")
    if send_from and send_to and send_to <= send_from:
        raise _bad("send_at_to", "must be after send_at_from")
    campaign = request.args.get("campaign_id")
    found = message_records.list_messages(
        conn(),
        account_id(),
        after=(after_packet, after_id),
        limit=limit + 1,
        statuses=_statuses(request.args.get("status")),
        send_from=send_from,
        send_to=send_to,
        campaign_id=_campaign(campaign),
    )
    more = len(found) > limit
    found = found[:limit]
    last = found[-1] if found else None
    return jsonify(
        data=[shapes.message(m) for m in found],
        next_cursor=ids().cursor(last["packet_id"], last["id"]) if more and last else None,
    )


@operation("getMessage")
def get_message(message_id: int):
    m = message_records.get_message(conn(), message_id)
    if m is None:
        raise not_found("message", message_id)
    events = message_records.delivery_events(conn(), message_id)
    return jsonify(
        {
            **shapes.message(m),
            "last_error": m["last_error"],
            "provider_message_id": m["provider_message_id"],
            "events": [
                {
                    "kind": e["kind"],
                    "data": e["data"],
                    "occurred_at": shapes.ts(e["occurred_at"]),
                }
                for e in events
            ],
        }
    )
