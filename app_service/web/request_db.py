"""A request's database connection, switched to the API role and the caller's account.

Row-level security in PostgreSQL then hides every other account's rows, whatever the query.
The pool resets a connection (RESET ROLE, RESET reminderly.account_id) when it comes back, so
no request ever inherits another's identity.

No database (none configured, or not reachable) is DatabaseUnavailable, answered 503 with
Retry-After (api/hooks.py): after a failed attempt the process answers so at once for
RETRY_SECONDS instead of making every request wait for a connection timeout."""

from __future__ import annotations

import threading
import time

import psycopg
from flask import current_app, g
from psycopg_pool import ConnectionPool, PoolTimeout

from app_service import tenancy as tenants
from app_service.db import open_pool


def _reset(conn: psycopg.Connection) -> None:
    tenants.leave(conn)


_POOL_LOCK = threading.Lock()
RETRY_SECONDS = 5
CONNECT_SECONDS: float | None = None
"""Overrides the settings' REMINDERLY_API_DB_TIMEOUT_SECONDS (tests)."""


def _connect_seconds(app) -> float:
    return CONNECT_SECONDS or app.config["DB_TIMEOUT_SECONDS"]


class DatabaseUnavailable(RuntimeError):
    """The request needs the database and there is none to use: a 503, not a 500."""


def pool() -> ConnectionPool:
    """The process's pool, opened on first use (after gunicorn forks its workers); the first
    requests of a threaded worker arrive together, so exactly one of them opens it."""
    app = current_app
    existing = app.extensions.get("reminderly.pool")
    if existing is None:
        with _POOL_LOCK:
            existing = app.extensions.get("reminderly.pool")
            if existing is None:
                existing = _open(app)
                app.extensions["reminderly.pool"] = existing
    return existing


def _open(app) -> ConnectionPool:
    if not app.config["DATABASE_URL"]:
        raise DatabaseUnavailable("no database is configured")
    failed_at = app.extensions.get("reminderly.pool_failed_at")
    if failed_at is not None and time.monotonic() - failed_at < RETRY_SECONDS:
        raise DatabaseUnavailable("the database is not reachable")
    try:
        return open_pool(
            app.config["DATABASE_URL"],
            min_size=1,
            max_size=app.config["POOL_SIZE"],
            name="reminderly-api",
            reset=_reset,
            timeout=_connect_seconds(app),
        )
    except (PoolTimeout, psycopg.OperationalError):
        app.extensions["reminderly.pool_failed_at"] = time.monotonic()
        raise DatabaseUnavailable("the database is not reachable") from None


def connection() -> psycopg.Connection:
    """This request's connection (autocommit; the library opens its own transactions)."""
    conn = g.get("conn")
    if conn is None:
        try:
            conn = pool().getconn(timeout=_connect_seconds(current_app))
        except PoolTimeout:
            raise DatabaseUnavailable("no database connection could be had in time") from None
        g.conn = conn
    return conn


def enter_tenant(conn: psycopg.Connection, account_id: int) -> None:
    tenants.enter(conn, account_id)


def release(exc: BaseException | None = None) -> None:
    conn = g.pop("conn", None)
    if conn is not None:
        pool().putconn(conn)
