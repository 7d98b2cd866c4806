"""Server-side sessions of the console opened with an API key: the cookie holds only a random
id; ending the session (or revoking its key) makes a replayed cookie open nothing."""

from __future__ import annotations

import psycopg

from app_service.db import rows
from app_service.queries import Q


def key_session(conn: psycopg.Connection, session_id: str) -> dict | None:
    """The session's key (account, scopes, rate window) while the session and its key live;
    counts the request against the key's rate."""
    found = rows(conn, Q.dashboard_key, {"session_id": session_id})
    return found[0] if found else None


def start_key_session(conn: psycopg.Connection, session_id: str, key_id: int) -> None:
    conn.execute(Q.start_dashboard_session, {"session_id": session_id, "key_id": key_id})


def end_key_session(conn: psycopg.Connection, session_id: str) -> None:
    conn.execute(Q.end_dashboard_session, {"session_id": session_id})
