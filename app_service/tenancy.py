"""Row-level tenancy, the database side: a connection enters one account (the API role, with
reminderly.account_id set, so row-level security hides every other account's rows) and leaves
it (the service's own login again). Entry points decide when; this is how."""

from __future__ import annotations

import psycopg

from app_service.queries import Q


def enter(conn: psycopg.Connection, account_id: int) -> None:
    conn.execute(Q.api_enter_tenant, {"account_id": str(account_id)})


def leave(conn: psycopg.Connection) -> None:
    conn.execute(Q.api_leave_tenant)
