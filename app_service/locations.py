"""Locations: the business's sites. A location's timezone is the default for its rows, its
send window (when set) overrides the campaign's for its appointments, and its name and review
URL fill `{{ location }}` and `{{ review_url }}`. Upserted by the business's own id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

import psycopg

from app_service.db import one, rows
from app_service.queries import Q

FIELDS = ("name", "timezone", "address", "review_url", "send_window")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class InvalidLocation(ValueError):
    """A location field that cannot be stored, with the field at fault."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Upserted:
    id: int
    created: bool


def upsert_location(conn: psycopg.Connection, account_id: int, data: dict) -> Upserted:
    """Create the location with this external_id, or update the fields given (the others keep
    their values; null clears one). `send_window` is {"start": time, "end": time} or null."""
    external_id = data.get("external_id")
    if not isinstance(external_id, str) or not 1 <= len(external_id) <= 200:
        raise InvalidLocation("external_id", "must be 1 to 200 characters")
    name, tz, address, url = (data.get(k) for k in ("name", "timezone", "address", "review_url"))
    if name is not None and not 1 <= len(name) <= 200:
        raise InvalidLocation("name", "must be 1 to 200 characters")
    if address is not None and len(address) > 500:
        raise InvalidLocation("address", "must be at most 500 characters")
    if url is not None and (len(url) > 2000 or not _URL.match(url)):
        raise InvalidLocation(
            "review_url", "must be an http or https URL of at most 2000 characters"
        )
    if tz is not None and not one(conn, Q.timezone_exists, {"name": tz})[0]:
        raise InvalidLocation("timezone", "is not an IANA timezone name")
    window = data.get("send_window")
    start = end = None
    if window is not None:
        start, end = _time(window.get("start"), "start"), _time(window.get("end"), "end")
        if not start < end:
            raise InvalidLocation("send_window/end", "must be after send_window/start")
    params = {
        "account_id": account_id,
        "external_id": external_id,
        "name": name,
        "timezone": tz,
        "address": address,
        "review_url": url,
        "send_window_start": start,
        "send_window_end": end,
        **{f"set_{k}": k in data for k in ("name", "timezone", "address", "review_url")},
        "set_window": "send_window" in data,
    }
    location_id, created = one(conn, Q.upsert_location, params)
    return Upserted(location_id, created)


def _time(value: str | None, which: str) -> time:
    try:
        return time.fromisoformat(value or "")
    except ValueError:
        raise InvalidLocation(f"send_window/{which}", "must be a time, HH:MM") from None


def get_location(conn: psycopg.Connection, location_id: int) -> dict | None:
    found = rows(conn, Q.get_location, {"id": location_id})
    return found[0] if found else None


def list_locations(
    conn: psycopg.Connection,
    account_id: int,
    *,
    after: int = 0,
    limit: int = 50,
    external_id: str | None = None,
) -> list[dict]:
    return rows(
        conn,
        Q.list_locations,
        {"account_id": account_id, "after": after, "limit": limit, "external_id": external_id},
    )
