"""Rotating the service logins' passwords under load: no failed request, no lost send.

The API is served by gunicorn and the worker runs as `reminderly worker`, each in its own
process, logged in as its own least-privilege role (migration 0017) with password
authentication switched on for those roles in the suite's PostgreSQL. Their secrets live in a
Secrets Manager served by moto (in a thread, over HTTP, as the processes' boto3 sees AWS). The
rotation is done the way the single-user rotation function does it: the new password in
AWSPENDING, the role's password changed, a pause (the window in which AWSCURRENT is stale),
then AWSCURRENT moved. Pool connections live one second, so both processes log in again and
again throughout; ECS's start-time PGPASSWORD goes stale mid-test, as in AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from helpers import load_rows, make_campaign, make_due, person, statuses
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from app_service import PROJECT_ROOT, api_keys, campaigns, db_credentials
from tests.api_support import pub

ROLES = ("reminderly_api_login", "reminderly_worker_login")
MESSAGES = 60  # 30 people, sms and email
WINDOW = 11.0  # seconds between the password change and AWSCURRENT moving


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def password_auth(server_url):
    """scram-sha-256 for the service logins (the suite's server trusts local users), put back
    afterwards; yields a function that sets a role's password as the rotation function does."""
    with psycopg.connect(server_url, autocommit=True) as admin:
        hba = Path(admin.execute("SHOW hba_file").fetchone()[0])
        original = hba.read_text()
        lines = "".join(
            f"local all {r} scram-sha-256\nhost all {r} 127.0.0.1/32 scram-sha-256\n" for r in ROLES
        )
        hba.write_text(lines + original)
        admin.execute("SELECT pg_reload_conf()")

        def set_password(role: str, password: str) -> None:
            admin.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )

        yield set_password
        hba.write_text(original)
        admin.execute("SELECT pg_reload_conf()")
        for role in ROLES:
            admin.execute(sql.SQL("ALTER ROLE {} PASSWORD NULL").format(sql.Identifier(role)))


@pytest.fixture
def secrets():
    """Secrets Manager (moto) over HTTP: (endpoint, boto3 client)."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "secretsmanager",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    yield endpoint, client
    server.stop()


def _rotate(client, secret_id: str, role: str, set_password, window: float) -> str:
    """The single-user rotation's four steps, with `window` seconds between the password change
    and the label move; returns the new password."""
    current = client.get_secret_value(SecretId=secret_id)
    new = {**json.loads(current["SecretString"]), "password": uuid.uuid4().hex}
    token = str(uuid.uuid4())
    client.put_secret_value(
        SecretId=secret_id,
        ClientRequestToken=token,
        SecretString=json.dumps(new),
        VersionStages=["AWSPENDING"],
    )  # createSecret
    set_password(role, new["password"])  # setSecret
    time.sleep(window)  # testSecret, and the stale AWSCURRENT everyone else still reads
    client.update_secret_version_stage(
        SecretId=secret_id,
        VersionStage="AWSCURRENT",
        MoveToVersionId=token,
        RemoveFromVersionId=current["VersionId"],
    )  # finishSecret
    return new["password"]


def test_rotating_both_logins_under_load_fails_no_request_and_loses_no_send(
    db_url, conn, password_auth, secrets, tmp_path
):
    endpoint, client = secrets
    first = {role: uuid.uuid4().hex for role in ROLES}
    arns = {}
    for role in ROLES:
        password_auth(role, first[role])
        arns[role] = client.create_secret(
            Name=f"test/{role}",
            SecretString=json.dumps({"username": role, "password": first[role]}),
        )["ARN"]
    target = conninfo_to_dict(db_url)
    # password authentication is really on: a wrong password is refused
    with pytest.raises(psycopg.OperationalError, match="password authentication failed") as refused:
        psycopg.connect(make_conninfo(db_url, user=ROLES[0], password="wrong"))
    assert db_credentials.is_auth_failure(refused.value)  # what triggers the re-read

    account = campaigns.create_account(
        conn, "Rotation", default_country="US", timezone="America/Chicago"
    )
    token = api_keys.create_key(
        conn, account, "load", ["admin"], rate_limit_per_minute=100_000
    ).token
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(i) for i in range(1, 31)])
    make_due(conn)
    assert sum(statuses(conn).values()) == MESSAGES

    url = make_conninfo(
        "", host=target.get("host"), port=target.get("port"), dbname=target["dbname"]
    )
    common = {
        **os.environ,
        "DATABASE_URL": url,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "REMINDERLY_DB_MAX_LIFETIME_SECONDS": "1",
        "PYTHONPATH": str(PROJECT_ROOT),
        "REMINDERLY_LINK_SECRET": "test-link-secret",
    }

    def env(role: str) -> dict:  # what ECS injects at task start, and the secret to re-read
        return {
            **common,
            "PGUSER": role,
            "PGPASSWORD": first[role],
            "REMINDERLY_DB_SECRET_ID": arns[role],
        }

    port = _free_port()
    api_log, worker_log = tmp_path / "api.log", tmp_path / "worker.log"
    api = subprocess.Popen(
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
        stdout=api_log.open("wb"),
        stderr=subprocess.STDOUT,
        env={
            **env(ROLES[0]),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "REMINDERLY_API_POOL_SIZE": "2",
        },
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app_service.cli",
            "worker",
            "--channel",
            "outbox",
            "--concurrency",
            "2",
            "--sms-rate",
            "2",
            "--email-rate",
            "2",
        ],
        cwd=PROJECT_ROOT,
        stdout=worker_log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env(ROLES[1]),
    )
    base = f"http://127.0.0.1:{port}"
    results: Counter = Counter()
    latencies: list[float] = []
    stop = threading.Event()

    def load() -> None:
        request = urllib.request.Request(
            f"{base}/v1/campaigns/{pub(campaign)}", headers={"Authorization": f"Bearer {token}"}
        )
        while not stop.is_set():
            started = time.monotonic()
            try:
                with urllib.request.urlopen(request, timeout=15) as response:
                    results[response.status] += 1
                    latencies.append(time.monotonic() - started)
            except urllib.error.HTTPError as exc:
                results[exc.code] += 1
            except OSError as exc:
                results[type(exc).__name__] += 1
            time.sleep(0.01)

    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/v1/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(api_log.read_text(errors="replace")[-3000:])
        clients = [threading.Thread(target=load) for _ in range(4)]
        for t in clients:
            t.start()
        time.sleep(2)
        sent_before = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        # both at once, each with a window longer than a request waits for a connection (10 s)
        rotations = [
            threading.Thread(target=_rotate, args=(client, arns[role], role, password_auth, WINDOW))
            for role in ROLES
        ]
        for t in rotations:
            t.start()
        for t in rotations:
            t.join()
        sent_at_rotation = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        time.sleep(2)
        stop.set()
        for t in clients:
            t.join()
        deadline = time.monotonic() + 60
        while (
            conn.execute("SELECT count(*) FROM outbox").fetchone()[0] < MESSAGES
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
    finally:
        stop.set()
        for proc in (api, worker):
            proc.terminate()
        for proc in (api, worker):
            proc.wait(timeout=40)
    api_text, worker_text = (
        api_log.read_text(errors="replace"),
        worker_log.read_text(errors="replace"),
    )
    # what was measured (shown with -s)
    print(
        f"rotation under load: {dict(results)} responses, slowest {max(latencies):.2f} s, "
        f"{sent_before} sent before and {sent_at_rotation} by the end of the rotations, of {MESSAGES}"
    )
    # no failed request, and enough of them to have spanned the rotations
    assert set(results) == {200}, (results, api_text[-3000:])
    assert results[200] > 100
    # and none waited out the stale AWSCURRENT: a refused login is retried at once with AWSPENDING
    assert max(latencies) < 3, sorted(latencies)[-5:]
    # the sending spanned the rotations, and every message went out once
    assert sent_before > 0 and sent_at_rotation < MESSAGES, (sent_before, sent_at_rotation)
    assert statuses(conn) == {"sent": MESSAGES}, worker_text[-3000:]
    assert conn.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone() == (
        MESSAGES,
        MESSAGES,
    )
    # both processes met a refused login and recovered by re-reading their secret
    assert "credentials re-read from the secret" in api_text, api_text[-3000:]
    assert "credentials re-read from the secret" in worker_text, worker_text[-3000:]
    # and no password ever reached a log
    for password in first.values():
        assert password not in api_text + worker_text
