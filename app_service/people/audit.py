"""The audit log: every change by a user or a key, with who, the role held, what, before and
after, when, from which address and in which request. Append-only in PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

import psycopg

from app_service.db import rows
from app_service.public_ids import PublicIds
from app_service.queries import Q
from app_service.reports import csv_cell


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user (with their role) or an API key, and from where."""

    account_id: int | None
    user_id: int | None = None
    key_id: int | None = None
    role: str | None = None
    address: str | None = None
    request_id: str | None = None


def record(
    conn: psycopg.Connection,
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    conn.execute(
        Q.audit_put,
        {
            "account_id": actor.account_id,
            "actor_user": actor.user_id,
            "actor_key": actor.key_id,
            "actor_role": actor.role,
            "action": action,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "before": None if before is None else json.dumps(before, default=str),
            "after": None if after is None else json.dumps(after, default=str),
            "address": actor.address,
            "request_id": actor.request_id,
        },
    )


def sign_in_event(
    conn: psycopg.Connection,
    user_id: int | None,
    action: str,
    address: str | None,
    request_id: str | None,
) -> None:
    conn.execute(
        Q.audit_sign_in,
        {"user_id": user_id, "action": action, "address": address, "request_id": request_id},
    )


def entries(
    conn: psycopg.Connection,
    *,
    action: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[dict]:
    """The account's entries, newest first (row-level security keeps them to the account)."""
    return rows(
        conn,
        Q.audit_list,
        {"action": action or None, "since": since, "before_id": before_id, "limit": limit},
    )


COLUMNS = (
    "id",
    "at",
    "actor_email",
    "actor_user",
    "actor_key",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "address",
    "request_id",
)


def to_csv(found: list[dict]) -> str:
    """CSV with formula-looking cells neutralised (as the other exports do)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in found:
        values = (entry.get(col) for col in COLUMNS)
        writer.writerow(
            [
                csv_cell(json.dumps(v) if isinstance(v, dict) else "" if v is None else str(v))
                for v in values
            ]
        )
    return out.getvalue()


def purge(conn: psycopg.Connection) -> int:
    """Delete entries older than each account's `audit_retention_days` (the only deletion the
    append-only trigger lets through); returns how many went."""
    return int(rows(conn, Q.audit_purge)[0]["purged"])


def published(found: list[dict], ids: PublicIds) -> list[dict]:
    """Entries with their ids as the tenant sees ids everywhere else: public (public_ids),
    including the *_id fields inside before and after."""
    out = []
    for entry in found:
        e = dict(entry)
        for key in ("id", "actor_user", "actor_key"):
            if e.get(key) is not None:
                e[key] = ids.encode(int(e[key]))
        if e.get("object_id") and str(e["object_id"]).isdigit():
            e["object_id"] = str(ids.encode(int(e["object_id"])))
        for key in ("before", "after"):
            if isinstance(e.get(key), dict):
                e[key] = ids.publish(e[key])
        out.append(e)
    return out
