"""Appointments as an integrator sees them: by the business's own id, with the customer, the
time, the status, the location and the messages of every campaign that holds it."""

from __future__ import annotations

import psycopg

from app_service.db import rows
from app_service.queries import Q

STATUSES = ("booked", "cancelled")


def get_appointment(conn: psycopg.Connection, appointment_id: int) -> dict | None:
    found = rows(conn, Q.get_appointment, {"id": appointment_id})
    return found[0] if found else None


def list_appointments(
    conn: psycopg.Connection,
    account_id: int,
    *,
    after: int = 0,
    limit: int = 50,
    external_id: str | None = None,
    status: str | None = None,
) -> list[dict]:
    params = {
        "account_id": account_id,
        "after": after,
        "limit": limit,
        "external_id": external_id,
        "status": status,
    }
    return rows(conn, Q.list_appointments, params)


def appointment_messages(
    conn: psycopg.Connection, account_id: int, appointment_id: int
) -> list[dict]:
    """Its messages in every campaign of the account, by campaign and step."""
    return rows(
        conn,
        Q.appointment_messages,
        {"account_id": account_id, "appointment_id": appointment_id},
    )
