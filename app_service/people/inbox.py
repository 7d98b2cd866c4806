"""The inbox: customers' replies as conversations the front desk reads, assigns, closes and
annotates. Conversations open themselves in the reply's transaction (db/procedures/
170_inbox.sql); every change here is checked against the matrix and audited."""

from __future__ import annotations

import psycopg

from app_service.db import rows
from app_service.people import audit, permissions
from app_service.people.audit import Actor
from app_service.queries import Q

WHO = ("mine", "unassigned", "all")
STATES = ("open", "closed")


def listed(
    conn: psycopg.Connection,
    user_id: int | None,
    who: str = "all",
    state: str = "open",
    limit: int = 200,
) -> list[dict]:
    who = who if who in WHO else "all"
    state = state if state in STATES else "open"
    return rows(
        conn, Q.inbox_list, {"who": who, "state": state, "user_id": user_id, "limit": limit}
    )


def counts(conn: psycopg.Connection) -> dict:
    return rows(conn, Q.inbox_counts)[0]


def conversation(conn: psycopg.Connection, actor: Actor, customer_id: int) -> dict | None:
    """One conversation with its thread and notes; reading it marks its replies read."""
    found = rows(conn, Q.inbox_conversation, {"customer_id": customer_id})
    if not found:
        return None
    if permissions.allowed(actor.role, "answer_replies"):
        conn.execute(Q.inbox_mark_read, {"customer_id": customer_id})
    return {
        **found[0],
        "thread": rows(conn, Q.inbox_thread, {"customer_id": customer_id}),
        "notes": rows(conn, Q.inbox_notes, {"customer_id": customer_id}),
    }


def update(
    conn: psycopg.Connection,
    actor: Actor,
    customer_id: int,
    *,
    assign: str | None = None,
    state: str | None = None,
    clear_task: bool = False,
) -> dict | None:
    """assign: 'me' or 'nobody'; state: 'open' or 'closed'."""
    permissions.require(actor.role, "answer_replies")
    if state is not None and state not in STATES:
        raise ValueError("state: open or closed")
    params = {
        "customer_id": customer_id,
        "set_assignee": assign in ("me", "nobody"),
        "assignee": actor.user_id if assign == "me" else None,
        "state": state,
        "clear_task": clear_task,
    }
    with conn.transaction():
        found = rows(conn, Q.inbox_update, params)
        if found:
            audit.record(
                conn,
                actor,
                "conversation.updated",
                object_type="customer",
                object_id=customer_id,
                after={
                    "state": found[0]["state"],
                    "task": found[0]["task"],
                    "assigned_user_id": found[0]["assigned_user"],
                },
            )
    return found[0] if found else None


def add_note(conn: psycopg.Connection, actor: Actor, customer_id: int, body: str) -> bool:
    permissions.require(actor.role, "answer_replies")
    body = body.strip()
    if not 1 <= len(body) <= 4000:
        raise ValueError("note: 1 to 4,000 characters")
    with conn.transaction():
        made = rows(
            conn,
            Q.inbox_add_note,
            {"customer_id": customer_id, "user_id": actor.user_id, "body": body},
        )
        if made:
            audit.record(
                conn,
                actor,
                "conversation.note_added",
                object_type="customer",
                object_id=customer_id,
            )
    return bool(made)
