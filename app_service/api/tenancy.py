"""A request's database connection, switched to the API role and the caller's account.

Row-level security in PostgreSQL then hides every other account's rows, whatever the query.
The pool resets a connection (RESET ROLE, RESET reminderly.account_id) when it comes back, so
no request ever inherits another's identity."""

from __future__ import annotations

import threading

import psycopg
from flask import current_app, g
from psycopg_pool import ConnectionPool

from app_service.db import open_pool
from app_service.queries import Q


def _reset(conn: psycopg.Connection) -> None:
    conn.execute(Q.api_leave_tenant)


_POOL_LOCK = threading.Lock()


def pool() -> ConnectionPool:
    """The process's pool, opened on first use (after gunicorn forks its workers); the first
    requests of a threaded worker arrive together, so exactly one of them opens it."""
    app = current_app
    existing = app.extensions.get("reminderly.pool")
    if existing is None:
        with _POOL_LOCK:
            existing = app.extensions.get("reminderly.pool")
            if existing is None:
                existing = open_pool(
                    app.config["DATABASE_URL"],
                    min_size=1,
                    max_size=app.config["POOL_SIZE"],
                    name="reminderly-api",
                    reset=_reset,
                )
                app.extensions["reminderly.pool"] = existing
    return existing


def connection() -> psycopg.Connection:
    """This request's connection (autocommit; the library opens its own transactions)."""
    conn = g.get("conn")
    if conn is None:
        conn = pool().getconn(timeout=10)
        g.conn = conn
    return conn


def enter_tenant(conn: psycopg.Connection, account_id: int) -> None:
    conn.execute(Q.api_enter_tenant, {"account_id": str(account_id)})


def release(exc: BaseException | None = None) -> None:
    conn = g.pop("conn", None)
    if conn is not None:
        pool().putconn(conn)
