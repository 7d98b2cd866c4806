"""Connections: resolve the database URL (DATABASE_URL or the embedded server) and pool them.

Every pool and runtime connection logs in through `db_credentials`: in AWS a refused password
makes the process re-read its login's secret and connect again (rotation without a restart)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool

from app_service import config, db_credentials, embedded, migrate
from app_service.config import Settings


def database_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """The URL to use: DATABASE_URL when set, else the embedded server (started if needed)."""
    settings = settings or config.current()
    if settings.database_url:
        return settings.database_url
    if start:
        return embedded.start(settings.pgdata)
    status = embedded.status(settings.pgdata)
    if not status.running or status.url is None:
        raise RuntimeError("the embedded database is not running: run `reminderly db start`")
    return status.url


def ready_url(settings: Settings | None = None) -> str:
    """A database URL whose schema is current: migrations are applied only when some are
    pending, so a login without DDL rights (the worker's in AWS) starts on a current schema."""
    url = database_url(settings)
    with connect(url) as conn:
        todo = migrate.pending(conn)
    if todo:
        migrate.migrate(url)
    return url


def connect(url: str, **kwargs: Any) -> psycopg.Connection:
    """A connection to `url`, logged in with the process's rotating credentials (if any)."""
    return db_credentials.connect_with(
        db_credentials.from_env(), psycopg.Connection.connect, conninfo=url, **kwargs
    )


class RotatingPool(ConnectionPool):
    """A pool whose new connections log in with the credentials' current values, re-read
    from the secret when the server refuses them (then the connection is made at once)."""

    credentials: db_credentials.Credentials

    def _connect(self, timeout: float | None = None) -> psycopg.Connection:
        used = self.credentials.current()
        try:
            return super()._connect(timeout)
        except psycopg.OperationalError as exc:
            if not db_credentials.is_auth_failure(exc) or not self.credentials.refresh(used):
                raise
        return super()._connect(timeout)


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
    connection returned to the pool. Connections are replaced after
    REMINDERLY_DB_MAX_LIFETIME_SECONDS (default an hour). Raises psycopg_pool.PoolTimeout when
    no connection could be made within `timeout` seconds (the pool is closed again)."""
    base: dict[str, Any] = {"row_factory": dict_row, "application_name": name, "autocommit": True}
    if timeout < 30:
        base["connect_timeout"] = max(1, int(timeout))
    credentials = db_credentials.from_env()
    options: dict[str, Any] = {
        "min_size": min_size,
        "max_size": max_size,
        "name": name,
        "check": ConnectionPool.check_connection,
        "reset": reset,
        "open": False,
        "max_lifetime": config.current().db_max_lifetime_seconds,
    }
    if credentials is None:
        pool: ConnectionPool = ConnectionPool(url, kwargs=base, **options)
    else:
        pool = RotatingPool(url, kwargs=lambda: {**base, **credentials.current()}, **options)
        pool.credentials = credentials
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
