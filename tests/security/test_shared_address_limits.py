"""The per-address limits (requests without a key, failed sign-ins) hold across processes:
they are counted in PostgreSQL, so two API instances, or two gunicorn workers, sharing the
database allow the limit once between them, not once each."""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import psycopg

from app_service.api import create_app
from app_service.config import Settings
from tests.api_support import make_tenant
from tests.conftest import serve_gunicorn


def _inside_one_window() -> None:
    """The windows are whole minutes: start a test early in one, so it ends in the same."""
    second = time.time() % 60
    if second > 40:
        time.sleep(61 - second)


def _instance(db_url: str, keyless: int, sign_in: int, monkeypatch):
    monkeypatch.setenv("REMINDERLY_KEYLESS_PER_MINUTE", str(keyless))
    monkeypatch.setenv("REMINDERLY_SIGN_IN_FAILURES_PER_MINUTE", str(sign_in))
    app = create_app(
        Settings.from_env().with_(database_url=db_url, link_secret="shared-limit-secret")
    )
    app.config["POOL_SIZE"] = 2
    return app


def _close(*apps) -> None:
    for app in apps:
        pool = app.extensions.get("reminderly.pool")
        if pool is not None:
            pool.close()


def test_two_instances_share_the_keyless_limit(db_url, monkeypatch):
    _inside_one_window()
    first, second = (_instance(db_url, 10, 100, monkeypatch) for _ in range(2))
    try:
        a, b = first.test_client(), second.test_client()
        # 5 from one instance, 5 from the other: the address's 10 are spent between them
        for client in (a, b):
            for _ in range(5):
                assert client.get("/v1/campaigns").status_code == 401
        for client in (b, a):  # each instance refuses the 11th, though it saw only 5 (or 6)
            refused = client.get("/v1/campaigns")
            assert refused.status_code == 429, refused.json
            assert (
                refused.json["detail"] == "too many requests without an API key from this address"
            )
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # another address is not affected, on either instance
        other = {"REMOTE_ADDR": "10.7.7.7"}
        assert a.get("/v1/campaigns", environ_base=other).status_code == 401
        assert b.get("/v1/campaigns", environ_base=other).status_code == 401
        with psycopg.connect(db_url) as c:
            counted = c.execute(
                "SELECT address, n FROM api_address_windows WHERE bucket = 'keyless'"
                " ORDER BY address"
            ).fetchall()
        # b's 11th asked the database (11, over), a's next too (12): neither let it through
        assert counted == [("10.7.7.7", 2), ("127.0.0.1", 12)]
    finally:
        _close(first, second)


def test_failed_sign_ins_on_one_instance_hold_the_address_on_the_other(db_url, conn, monkeypatch):
    _inside_one_window()
    first, second = (_instance(db_url, 1000, 4, monkeypatch) for _ in range(2))
    try:
        tenant = make_tenant(conn, first, "Shared Limits Clinic")
        wrong = {"Authorization": "Bearer rmd_" + "a" * 12 + "_" + "b" * 43}
        right = {"Authorization": f"Bearer {tenant.token}"}
        a, b = first.test_client(), second.test_client()
        assert a.get("/v1/campaigns", headers=right).status_code == 200
        for client in (a, b, a, b):  # 2 failures seen by each instance, 4 in all
            assert client.get("/v1/campaigns", headers=wrong).status_code == 401
        for client in (a, b):  # the right key now waits too, on both instances
            held = client.get("/v1/campaigns", headers=right)
            assert held.status_code == 429, held.json
            assert held.json["detail"] == "too many failed sign-ins from this address"
        # a third instance that saw nothing of it holds the address as well
        third = _instance(db_url, 1000, 4, monkeypatch)
        try:
            assert third.test_client().get("/v1/campaigns", headers=right).status_code == 429
        finally:
            _close(third)
        assert (
            b.get(
                "/v1/campaigns", headers=right, environ_base={"REMOTE_ADDR": "10.2.2.2"}
            ).status_code
            == 200
        )
    finally:
        _close(first, second)


def _get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path, headers={"Connection": "close", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, (json.loads(data) if data else {})


def test_two_gunicorn_workers_allow_the_limit_once(db_url, tmp_path):
    _inside_one_window()
    limit = 24
    env = {
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "REMINDERLY_API_POOL_SIZE": "2",
        "REMINDERLY_KEYLESS_PER_MINUTE": str(limit),
    }
    with serve_gunicorn(db_url, tmp_path / "gunicorn.log", **env) as (base, proc):
        statuses: list[int] = []
        lock = threading.Lock()

        def caller() -> None:
            for _ in range(10):
                status, _ = _get(base, "/v1/campaigns")
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=caller) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert proc.poll() is None
        # counted per process, two workers would have let up to twice the limit through
        assert statuses.count(401) == limit, statuses
        assert statuses.count(429) == 60 - limit
        with psycopg.connect(db_url) as c:
            pids = c.execute(
                "SELECT count(DISTINCT pid) FROM pg_stat_activity"
                " WHERE application_name = 'reminderly-api'"
            ).fetchone()[0]
        assert pids >= 2  # both workers served (each holds its own pool)
    assert (tmp_path / "gunicorn.log").read_text().count("Booting worker") == 2
