"""A request that needs what is not there (no database configured, a database that cannot be
reached or went away, no render process) is a 503 problem with Retry-After, never a 500, and
within a bounded time; what needs none of it (health, the definition, /docs) still answers."""

from __future__ import annotations

import http.client
import json
import re
import time
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from app_service.api import create_app
from app_service.config import Settings
from app_service.links import LinkSigner
from app_service.template_sandbox import pool as render_pool
from app_service.web import request_db
from tests.conftest import serve_gunicorn

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/nothing"


def _call(base: str, method: str, path: str, body: bytes = b"", headers=None):
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    started = time.monotonic()
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, data, time.monotonic() - started


def _assert_unavailable(status: int, headers, body: bytes | dict, reason: str) -> None:
    assert status == 503, body
    assert headers.get("Content-Type") == "application/problem+json"
    assert int(headers.get("Retry-After")) >= 1
    problem = body if isinstance(body, dict) else json.loads(body)
    assert problem["status"] == 503 and problem["title"] == "Service Unavailable"
    assert reason in problem["detail"], problem


def test_no_database_configured_is_a_503_over_gunicorn(tmp_path):
    secret = "unavailable-test-secret"
    env = {"REMINDERLY_DATA_DIR": str(tmp_path), "REMINDERLY_LINK_SECRET": secret}
    with serve_gunicorn(None, tmp_path / "gunicorn.log", **env) as (base, proc):
        key = {"Authorization": "Bearer rmd_abcdefgh_" + "x" * 40}
        token = LinkSigner(secret).token(12345, "r")
        needs_db = [
            ("GET", "/v1/customers", b"", key),
            ("GET", "/v1/account", b"", key),
            (
                "POST",
                "/v1/customers",
                b'{"external_id": "c1"}',
                {**key, "Content-Type": "application/json"},
            ),
            ("GET", f"/r/{token}", b"", {}),
            ("GET", f"/u/{LinkSigner(secret).token(12345, 'u')}", b"", {}),
        ]
        for method, path, body, headers in needs_db:
            response, data, took = _call(base, method, path, body, headers)
            _assert_unavailable(
                response.status, response.headers, data, "no database is configured"
            )
            assert took < 5, (path, took)
        # what needs no database still answers
        assert _call(base, "GET", "/v1/health")[0].status == 200
        assert _call(base, "GET", "/v1/openapi.json")[0].status == 200
        assert _call(base, "GET", "/docs")[0].status == 200
        response, data, _ = _call(base, "GET", "/v1/ready")
        assert response.status == 503 and b"no database is configured" in data
        assert proc.poll() is None
    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert "unhandled error" not in log and "Internal Server Error" not in log


def test_an_unreachable_database_is_a_503_and_the_next_ones_fail_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("REMINDERLY_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(request_db, "CONNECT_SECONDS", 2.0)
    app = create_app(Settings.from_env().with_(database_url=UNREACHABLE, link_secret="s"))
    client = app.test_client()
    key = {"Authorization": "Bearer rmd_abcdefgh_" + "x" * 40}
    started = time.monotonic()
    first = client.get("/v1/campaigns", headers=key)
    assert time.monotonic() - started < 10
    _assert_unavailable(first.status_code, first.headers, first.json, "not reachable")
    started = time.monotonic()
    for path in ("/v1/campaigns", "/v1/templates", "/v1/events"):
        again = client.get(path, headers=key)
        _assert_unavailable(again.status_code, again.headers, again.json, "not reachable")
    assert time.monotonic() - started < 1  # no connection timeout paid again for a while
    # the dashboard's sign-in is a page, not JSON, with the same status
    form = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    page = client.post(
        "/login", data={"api_key": "rmd_x", "csrf_token": csrf}, base_url="https://localhost"
    )
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert int(page.headers["Retry-After"]) >= 1


def _terminate_api_sessions(server_url: str, dbname: str, allow: bool) -> None:
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
                sql.Identifier(dbname), sql.Literal(allow)
            )
        )
        if not allow:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND application_name = 'reminderly-api'",
                (dbname,),
            )


def test_a_database_that_goes_away_is_a_503_and_service_resumes(
    tenant, app, db_url, server_url, monkeypatch
):
    monkeypatch.setattr(request_db, "CONNECT_SECONDS", 1.0)
    monkeypatch.setattr(request_db, "RETRY_SECONDS", 0)
    assert tenant.get("/v1/customers").status_code == 200
    dbname = conninfo_to_dict(db_url)["dbname"]
    _terminate_api_sessions(server_url, dbname, allow=False)
    try:
        started = time.monotonic()
        gone = tenant.get("/v1/customers")
        assert time.monotonic() - started < 10
        _assert_unavailable(gone.status_code, gone.headers, gone.json, "")
        created = tenant.post("/v1/customers", json={"external_id": "while-down"})
        _assert_unavailable(created.status_code, created.headers, created.json, "")
    finally:
        _terminate_api_sessions(server_url, dbname, allow=True)
    deadline = time.monotonic() + 20
    while (back := tenant.get("/v1/customers")).status_code != 200:
        assert back.status_code == 503 and time.monotonic() < deadline
        time.sleep(0.2)
    assert back.json["data"] == []  # the refused create left nothing


@pytest.fixture
def no_render_process(monkeypatch):
    """This process's render pool, replaced by one whose processes cannot start."""
    import os

    monkeypatch.setattr(render_pool, "_pool", render_pool.RenderPool(size=1))
    monkeypatch.setattr(render_pool, "_pool_pid", os.getpid())
    monkeypatch.setattr(render_pool.sys, "executable", "/nonexistent/python")


def test_no_render_process_is_a_503_and_nothing_is_stored(tenant, no_render_process):
    attempts = [
        ("/v1/templates", {"name": "t", "channel": "sms", "body": "Hi {{ first_name }}"}),
        (
            "/v1/campaigns",
            {
                "name": "c",
                "kind": "reminder",
                "channel": "sms",
                "steps": [{"name": "s", "offset_minutes": -60, "template": "Hi {{ first_name }}"}],
            },
        ),
    ]
    for path, body in attempts:
        answered = tenant.post(path, json=body)
        _assert_unavailable(
            answered.status_code, answered.headers, answered.json, "no render process"
        )
    assert tenant.get("/v1/templates").json["data"] == []
    assert tenant.get("/v1/campaigns").json["data"] == []
