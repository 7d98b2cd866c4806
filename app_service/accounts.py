"""Accounts (tenants): what the API and the console read of one."""

from __future__ import annotations

import psycopg

from app_service.db import rows
from app_service.queries import Q


def get_account(conn: psycopg.Connection, account_id: int) -> dict | None:
    found = rows(conn, Q.get_account, {"id": account_id})
    return found[0] if found else None


def default_country(conn: psycopg.Connection, account_id: int) -> str:
    """The country a phone number without a + prefix is read in."""
    account = get_account(conn, account_id)
    if account is None:
        raise LookupError(f"no account {account_id}")
    return account["default_country"]
