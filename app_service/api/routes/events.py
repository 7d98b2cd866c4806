"""The events feed: GET /v1/events?after=<cursor>&type=a,b&limit=n."""

from __future__ import annotations

from flask import jsonify, request

from app_service import events
from app_service.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from app_service.api.problems import ApiError
from app_service.api.routes import account_id, conn, ids
from app_service.api.routing import operation


def _query_error(name: str, detail: str) -> ApiError:
    return ApiError(
        400,
        "Bad Request",
        f"{name}: {detail}",
        errors=[{"parameter": name, "in": "query", "detail": detail}],
    )


def parse_types(raw: str | None) -> list[str] | None:
    """The `type` filter, each name checked (an unknown type is a 400, not an empty feed)."""
    if not raw:
        return None
    types = raw.split(",")
    unknown = [t for t in types if t not in events.TYPES]
    if unknown:
        raise _query_error("type", f"unknown event type {unknown[0]!r}")
    return types


@operation("listEvents")
def list_events():
    after = events.Position()
    if request.args.get("after"):
        found = ids().uncursor(request.args["after"])
        if found is None:
            raise _query_error("after", "not a cursor this API returned")
        after = events.Position(min(found[0], 2**63 - 1), min(found[1], 2**63 - 1))
    types = parse_types(request.args.get("type"))
    limit = min(int(request.args.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
    found = events.list_events(conn(), account_id(), after, types=types, limit=limit + 1)
    more = len(found) > limit
    found = found[:limit]
    last = found[-1]["position"] if found else after
    return jsonify(
        data=[events.envelope(r) for r in found],
        next_cursor=ids().cursor(last.txid, last.event_id),  # opaque: no txid shown
        has_more=more,
    )
