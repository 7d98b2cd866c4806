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


AUDIT_RETENTION_DAYS = (30, 3650)


class InvalidSetting(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def settings(conn: psycopg.Connection) -> dict:
    """The signed-in account's settings (name, country, timezone, audit retention, SMS
    sender identity); row-level security and the function keep it to that account."""
    return rows(conn, Q.account_settings)[0]


def set_audit_retention(conn: psycopg.Connection, days: int) -> int:
    """Change how long the audit log keeps entries; returns the previous value. The database
    refuses a role below admin (insufficient_privilege), whatever the caller checked."""
    low, high = AUDIT_RETENTION_DAYS
    if not low <= days <= high:
        raise InvalidSetting("audit_retention_days", f"must be from {low} to {high} days")
    return rows(conn, Q.account_set_audit_retention, {"days": days})[0]["previous"]


SIGN_IN_METHODS = ("password", "sso")


def set_sign_in_method(conn: psycopg.Connection, method: str) -> str:
    """Whether members sign in with password + second factor or only through the stage's
    single sign-on; returns the previous value. Requiring SSO ends the account's password
    sessions at once. The database refuses a role below admin, whatever the caller checked."""
    if method not in SIGN_IN_METHODS:
        raise InvalidSetting("sign_in_method", f"one of {', '.join(SIGN_IN_METHODS)}")
    return rows(conn, Q.account_set_sign_in_method, {"method": method})[0]["previous"]
