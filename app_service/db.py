"""Connections: resolve the database URL (DATABASE_URL or the embedded server) and pool them."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool

from app_service import embedded, migrate
from app_service.config import Settings


def database_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """The URL to use: DATABASE_URL when set, else the embedded server (started if needed)."""
    settings = settings or Settings.from_env()
    if settings.database_url:
        return settings.database_url
    if start:
        return embedded.start(settings.pgdata)
    status = embedded.status(settings.pgdata)
    if not status.running or status.url is None:
        raise RuntimeError("the embedded database is not running: run `reminderly db start`")
    return status.url


def ready_url(settings: Settings | None = None) -> str:
    """A database URL whose schema is current (migrations applied)."""
    url = database_url(settings)
    migrate.migrate(url)
    return url


def open_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 4,
    name: str = "reminderly",
    reset: Callable[[psycopg.Connection], None] | None = None,
    timeout: float = 30,
) -> ConnectionPool:
    """A psycopg pool of autocommit connections (the library manages its own transactions);
    rows come back as dicts and connections are checked before reuse. `reset` runs on every
    connection returned to the pool. Raises psycopg_pool.PoolTimeout when no connection
    could be made within `timeout` seconds (the pool is closed again)."""
    kwargs = {"row_factory": dict_row, "application_name": name, "autocommit": True}
    if timeout < 30:
        kwargs["connect_timeout"] = max(1, int(timeout))
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        name=name,
        kwargs=kwargs,
        check=ConnectionPool.check_connection,
        reset=reset,
        open=False,
    )
    try:
        pool.open(wait=True, timeout=timeout)
    except BaseException:
        pool.close()
        raise
    return pool


def one(conn: psycopg.Connection, query: str, params: dict | None = None) -> tuple | None:
    """The first row of `query` as a tuple, whatever the connection's row factory."""
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(query, params).fetchone()


def rows(conn: psycopg.Connection, query: str, params: dict | None = None) -> list[dict]:
    """All rows of `query` as dicts, whatever the connection's row factory."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchall()
