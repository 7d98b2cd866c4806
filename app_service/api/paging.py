"""Cursor pagination by id (keyset): stable under inserts, O(limit) at any depth. A cursor is
opaque (public_ids: one AES block), so it shows no row id."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, jsonify, request

from app_service.api.problems import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def _decode(cursor: str) -> int:
    found = current_app.extensions["reminderly.ids"].uncursor(cursor)
    if found is not None:  # a place past every row is an empty page, not an error
        return min(found[0], 2**63 - 1)
    value = -1
    if not 0 <= value < 2**63:
        raise ApiError(
            400,
            "Bad Request",
            "cursor: is not a cursor this API returned",
            errors=[{"parameter": "cursor", "in": "query", "detail": "not a valid cursor"}],
        )
    return value


def encode(value: int) -> str:
    return current_app.extensions["reminderly.ids"].cursor(int(value))


def page_params() -> tuple[int, int]:
    """(after, limit) from the query string (already checked against the contract)."""
    cursor = request.args.get("cursor")
    limit = int(request.args.get("limit", DEFAULT_LIMIT))
    return (_decode(cursor) if cursor else 0), min(limit, MAX_LIMIT)


def page(fetch: Callable[[int, int], list], shape: Callable, key: Callable = lambda r: r["id"]):
    """One page as {"data": [...], "next_cursor": ...}; fetches one row more than it returns
    to know whether another page exists."""
    after, limit = page_params()
    found = fetch(after, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    return jsonify(
        data=[shape(r) for r in found], next_cursor=encode(key(found[-1])) if more else None
    )
