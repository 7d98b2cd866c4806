"""Customers: create or update by the business's own id, read, list; consent lives in
consent.py. Contacts are normalised by the same SQL functions that validate packet rows, so a
number accepted here is accepted in a packet and the other way round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import psycopg

from app_service import config
from app_service.db import rows
from app_service.queries import Q

FIELDS = ("first_name", "last_name", "phone", "email", "timezone", "locale")


class InvalidCustomer(ValueError):
    """A customer field that cannot be stored, with the field at fault."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Upserted:
    id: int
    created: bool


def upsert_customer(
    conn: psycopg.Connection, account_id: int, default_country: str, data: dict
) -> Upserted:
    """Create the customer with this external_id, or update the fields given (others keep
    their values). Phone numbers are read in the account's country unless international."""
    found = rows(
        conn,
        Q.normalize_contact,
        {
            "phone": data.get("phone"),
            "country": default_country,
            "email": data.get("email"),
            "timezone": data.get("timezone"),
        },
    )[0]
    if data.get("phone") is not None and found["phone"] is None:
        raise InvalidCustomer("phone", "is not a valid phone number")
    if data.get("email") is not None and found["email"] is None:
        raise InvalidCustomer("email", "is not a valid email address")
    if not found["timezone_ok"]:
        raise InvalidCustomer("timezone", "is not an IANA timezone name")
    params = {name: data.get(name) for name in FIELDS}
    params.update(
        account_id=account_id,
        external_id=data["external_id"],
        phone=found["phone"],
        email=found["email"],
    )
    row = rows(conn, Q.upsert_customer, params)[0]
    return Upserted(int(row["id"]), bool(row["created"]))


def get_customer(conn: psycopg.Connection, customer_id: int) -> dict | None:
    found = rows(conn, Q.get_customer, {"id": customer_id})
    return found[0] if found else None


def list_customers(
    conn: psycopg.Connection,
    account_id: int,
    *,
    after: int,
    limit: int,
    external_id: str | None = None,
    opted_out: str | None = None,
) -> list[dict]:
    """opted_out: "true" (of any channel), "false" (of none), "sms" or "email"; None: all."""
    return rows(
        conn,
        Q.list_customers,
        {
            "account_id": account_id,
            "after": after,
            "limit": limit,
            "external_id": external_id,
            "opted_out": opted_out,
        },
    )


def customer_messages(conn: psycopg.Connection, customer_id: int, after: int, limit: int) -> list:
    """A customer's messages, newest campaign steps first (the API's page)."""
    return rows(
        conn, Q.messages_by_customer, {"customer_id": customer_id, "after": after, "limit": limit}
    )


def timeline(conn: psycopg.Connection, customer_id: int) -> list[dict]:
    """What happened with the customer, oldest first: messages, replies, consent, answers."""
    return rows(conn, Q.customer_timeline, {"customer_id": customer_id})


def scores(conn: psycopg.Connection, customer_id: int) -> list[dict]:
    """The customer's response and sentiment scores (analytics.refresh_scores computes them)."""
    return rows(conn, Q.customer_scores_of, {"customer_id": customer_id})


def pii_retention() -> timedelta | None:
    """How long a customer not seen keeps their personal data (REMINDERLY_PII_RETENTION_DAYS);
    None: kept until erased on request."""
    days = config.current().pii_retention_days
    return timedelta(days=days) if days > 0 else None


def purge_pii(conn: psycopg.Connection, retention: timedelta) -> tuple[int, int]:
    """Erase personal data of customers not seen within `retention`, and raw rows of older
    packets: (customers purged, packet rows deleted)."""
    (found,) = rows(conn, Q.purge_pii, {"retention": retention})
    return int(found["customers_purged"]), int(found["packet_rows_deleted"])
