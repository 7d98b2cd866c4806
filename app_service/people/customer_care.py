"""The console's customer pages: search, consent changes with a reason, a data-subject export
and erasure. Each change is checked against the matrix and audited; erasure keeps the send
ledger (what was sent when, and the consent evidence) and removes what identifies a person."""

from __future__ import annotations

import json
import re

import psycopg

from app_service import consent
from app_service.db import rows
from app_service.people import audit, permissions
from app_service.people.audit import Actor
from app_service.queries import Q


def search(conn: psycopg.Connection, q: str) -> list[dict]:
    q = q.strip()[:200]
    if not q:
        return []
    digits = re.sub(r"\D", "", q)
    like = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return rows(
        conn,
        Q.console_customer_search,
        {"q": q, "digits": digits if len(digits) >= 4 else "", "like": like},
    )


def consent_ledger(conn: psycopg.Connection, customer_id: int) -> list[dict]:
    return rows(conn, Q.console_consent_ledger, {"customer_id": customer_id})


def change_consent(
    conn: psycopg.Connection, actor: Actor, customer_id: int, channel: str, action: str, reason: str
) -> int:
    """A manual opt-out or opt-in with the reason given (the ledger's evidence)."""
    permissions.require(actor.role, "change_consent")
    reason = reason.strip()
    if not 3 <= len(reason) <= 500:
        raise ValueError("reason: say why, in 3 to 500 characters")
    if action not in ("opt_in", "opt_out"):
        raise ValueError("action: opt_in or opt_out")
    with conn.transaction():
        suppressed = consent.record(conn, customer_id, channel, action, "console", reason)
        audit.record(
            conn,
            actor,
            f"consent.{action}",
            object_type="customer",
            object_id=customer_id,
            after={"channel": channel, "reason": reason},
        )
    return suppressed


def export(conn: psycopg.Connection, actor: Actor, customer_id: int) -> str:
    permissions.require(actor.role, "export_customers")
    document = rows(conn, Q.console_customer_export, {"customer_id": customer_id})[0]["document"]
    audit.record(conn, actor, "customer.exported", object_type="customer", object_id=customer_id)
    return json.dumps(document, indent=2, default=str)


def erase(conn: psycopg.Connection, actor: Actor, customer_id: int) -> str:
    """'erased', 'sending' (try again shortly) or 'not_found'."""
    permissions.require(actor.role, "erase_customers")
    with conn.transaction():
        outcome = rows(conn, Q.console_erase_customer, {"customer_id": customer_id})[0]["outcome"]
        if outcome == "erased":
            audit.record(
                conn, actor, "customer.erased", object_type="customer", object_id=customer_id
            )
    return outcome
