"""The API over a real socket, served by gunicorn with the repository's config: a client's
whole flow, a 100k-row CSV upload, graceful shutdown with a request in flight, and a
schemathesis run of every operation in the bundled definition."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from app_service import api_keys, campaigns
from app_service.api.spec import write_bundle
from tests.api_support import CAMPAIGN, row
from tests.helpers import csv_bytes, person


def _token(
    db_url: str, scopes=("admin",), rate_limit: int = 100_000, *, after: int = 0
) -> tuple[int, str]:
    """A fresh account and key. `after` keys of another account are made first, so the key's
    id is not one a fuzzer tries early (1, 2, ...): revoking its own key would end a run."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        if after:
            other = campaigns.create_account(conn, "Other Clinic")
            for i in range(after):
                api_keys.create_key(conn, other, f"other {i}", ["read"])
        account = campaigns.create_account(conn, "Socket Clinic", timezone="America/Chicago")
        key = api_keys.create_key(
            conn, account, "socket", list(scopes), rate_limit_per_minute=rate_limit
        )
    return account, key.token


class Client:
    """A keep-alive HTTP/1.1 client (http.client), as an integration would hold one."""

    def __init__(self, base: str, token: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.token = token

    def call(self, method: str, path: str, body=None, headers: dict | None = None):
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        ctype = response.getheader("Content-Type", "")
        return (
            response.status,
            dict(response.getheaders()),
            (json.loads(data) if "json" in ctype else data),
        )


def test_a_client_flow_over_a_socket(gunicorn, db_url):
    base, _ = gunicorn
    _, token = _token(db_url)
    api = Client(base, token)
    status, headers, campaign = api.call(
        "POST", "/v1/campaigns", CAMPAIGN, {"X-Request-Id": "flow-1"}
    )
    assert status == 201 and headers["X-Request-Id"] == "flow-1"
    assert api.call("POST", f"/v1/campaigns/{campaign['id']}/activate")[0] == 200
    status, _, packet = api.call(
        "POST",
        f"/v1/campaigns/{campaign['id']}/packets",
        csv_bytes([person(1), person(2, phone="x")]),
        {"Content-Type": "text/csv"},
    )
    assert status == 201 and packet["rows"] == {
        "submitted": 2,
        "accepted": 1,
        "rejected": 1,
        "warned": 0,
        "read": 2,
    }
    status, _, errors = api.call("GET", packet["links"]["errors"])
    assert status == 200 and errors["data"][0]["column"] == "phone"
    status, headers, body = api.call("GET", "/v1/campaigns/999999")
    assert status == 404 and headers["Content-Type"] == "application/problem+json"
    assert body["status"] == 404 and body["request_id"] == headers["X-Request-Id"]
    status, _, _ = Client(base, "rmd_wrong").call("GET", "/v1/campaigns")
    assert status == 401


def test_a_100k_row_csv_packet_over_http(gunicorn, db_url, tmp_path):
    base, _ = gunicorn
    _, token = _token(db_url)
    api = Client(base, token)
    _, _, campaign = api.call("POST", "/v1/campaigns", CAMPAIGN)
    api.call("POST", f"/v1/campaigns/{campaign['id']}/activate")
    rows = [person(i) for i in range(100_000)]
    rows[500]["phone"] = "not a phone"
    body = csv_bytes(rows)
    big = {"Content-Type": "text/csv", "Idempotency-Key": "big-1", "Prefer": "respond-async"}
    status, headers, packet = api.call("POST", f"/v1/campaigns/{campaign['id']}/packets", body, big)
    # stored at once (202), loaded by a worker's loader, polled until ready
    assert status == 202, packet
    assert packet["status"] == "receiving" and headers["Location"] == f"/v1/packets/{packet['id']}"
    from app_service import packet_loader

    assert packet_loader.load_next(db_url, "test-loader").status == "ready"
    _, _, packet = api.call("GET", headers["Location"])
    assert packet["status"] == "ready"
    assert packet["rows"] == {
        "submitted": 100_000,
        "accepted": 99_999,
        "rejected": 1,
        "warned": 0,
        "read": 100_000,
    }
    assert packet["messages_planned"] == 2 * 99_999
    with psycopg.connect(db_url) as conn:
        (n,) = conn.execute(
            "SELECT count(*) FROM messages WHERE packet_id = %s", [row(packet["id"])]
        ).fetchone()
    assert n == 2 * 99_999
    status, headers, replay = api.call("POST", f"/v1/campaigns/{campaign['id']}/packets", body, big)
    assert (
        status == 200 and replay["id"] == packet["id"] and headers["Idempotent-Replayed"] == "true"
    )
    log = (tmp_path / "gunicorn.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    requests = [entry for entry in lines if entry.get("msg") == "request"]
    assert {r["operation"] for r in requests} >= {"createPacket", "createCampaign"}
    for needle in ("+1312", "555-", "@example.com", token):
        assert needle not in log, needle


def test_sigterm_lets_a_request_in_flight_finish(gunicorn, db_url):
    base, proc = gunicorn
    _, token = _token(db_url)
    api = Client(base, token)
    _, _, campaign = api.call("POST", "/v1/campaigns", CAMPAIGN)
    body = csv_bytes([person(i) for i in range(30_000)])
    result: dict = {}

    def upload():
        result["status"] = Client(base, token).call(
            "POST", f"/v1/campaigns/{campaign['id']}/packets", body, {"Content-Type": "text/csv"}
        )[0]

    worker = threading.Thread(target=upload)
    worker.start()
    time.sleep(0.5)  # the upload is being loaded
    proc.send_signal(signal.SIGTERM)
    worker.join(timeout=60)
    assert result.get("status") == 201
    assert proc.wait(timeout=30) == 0


@pytest.fixture
def roomy_gunicorn(db_url, tmp_path):
    """gunicorn as the API's login, with the per-address limits raised: schemathesis sends
    thousands of keyless and wrong-key requests from one address, which would otherwise make
    every later request wait out the failed sign-ins (those limits have their own tests in
    tests/security/test_shared_address_limits.py)."""
    from psycopg.conninfo import make_conninfo

    from tests.conftest import serve_gunicorn

    api_url = make_conninfo(db_url, user="reminderly_api_login")
    with serve_gunicorn(
        api_url,
        tmp_path / "gunicorn.log",
        REMINDERLY_KEYLESS_PER_MINUTE="1000000",
        REMINDERLY_SIGN_IN_FAILURES_PER_MINUTE="1000000",
    ) as served:
        yield served


def test_schemathesis_finds_no_server_error_and_no_contract_break(roomy_gunicorn, db_url, tmp_path):
    """Every operation of the bundled definition against the live server, in every phase:
    examples, coverage, fuzzing (positive and negative cases), and the stateful phase, which
    chains operations by the links schemathesis infers from the definition and from Location
    headers (create a campaign, then read, change, activate it by the id it got). Checks: no
    5xx; every status, header, content type and body as documented; and every schema-valid
    request accepted (positive_data_acceptance: the definition and the server agree on what
    is valid). One schemathesis worker: with two threads, hypothesis's lambda descriptions
    (ast.parse) trip CPython 3.11's "AST constructor recursion depth mismatch" now and then."""
    base, _ = roomy_gunicorn
    _, token = _token(db_url)
    spec = tmp_path / "openapi.json"
    write_bundle(spec)
    exe = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    started = time.monotonic()
    from app_service import PROJECT_ROOT

    run = subprocess.run(
        [
            exe,
            "--config-file",
            str(PROJECT_ROOT / "tests" / "schemathesis.toml"),
            "run",
            str(spec),
            "--url",
            base,
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance,response_headers_conformance,"
            "positive_data_acceptance",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--mode",
            "all",
            "--max-examples",
            "10",
            "--seed",
            "20261128",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},  # the hooks: tests/schemathesis_hooks
    )
    took = time.monotonic() - started
    report = run.stdout[-12000:] + run.stderr[-2000:]
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, report
    assert "No issues found" in run.stdout or "passed" in run.stdout, report
    stateful = re.search(r"Stateful.*?API Links:\s+(\d+) covered.*?(\d+) passed", run.stdout, re.S)
    assert stateful, report
    links, scenarios = int(stateful.group(1)), int(stateful.group(2))
    assert links > 0 and scenarios > 0, report  # operations were chained by their links
    print(f"schemathesis: {took:.0f} s")


def test_the_pipelines_smoke_script_passes_against_a_live_server(gunicorn, db_url):
    """scripts/smoke.sh is what the pipeline runs after deploying staging."""
    from app_service import PROJECT_ROOT

    base, _ = gunicorn
    _, token = _token(db_url, scopes=("write",))
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "API_URL": base, "SMOKE_API_KEY": token}
    for run in ("101", "102"):  # a second build reuses the campaign, loads a new packet
        result = subprocess.run(
            ["bash", str(PROJECT_ROOT / "scripts" / "smoke.sh")],
            env={**env, "CODEBUILD_BUILD_NUMBER": run},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "loaded, planned, cancelled" in result.stdout
    with psycopg.connect(db_url) as conn:
        statuses = conn.execute("SELECT status, count(*) FROM packets GROUP BY 1").fetchall()
        (campaigns_made,) = conn.execute("SELECT count(*) FROM campaigns").fetchone()
    assert statuses == [("cancelled", 2)] and campaigns_made == 1
    bad = subprocess.run(
        ["bash", str(PROJECT_ROOT / "scripts" / "smoke.sh")],
        env={**env, "SMOKE_API_KEY": "rmd_wrong"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0
