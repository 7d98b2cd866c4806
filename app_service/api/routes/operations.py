"""Liveness, readiness, the definition and its Swagger UI (Swagger UI 5, which renders
OpenAPI 3.1; its assets come from the swagger-ui-py package, no CDN)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from importlib.resources import files

import psycopg
from flask import Flask, Response, current_app, jsonify, render_template_string, send_from_directory

from app_service import db, migrate
from app_service.api.problems import problem
from app_service.api.routing import operation
from app_service.api.spec import bundled

_DOCS = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>reminderly API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>"""

_INIT = """window.ui = SwaggerUIBundle({url: "/v1/openapi.json", dom_id: "#swagger-ui",
  deepLinking: true, persistAuthorization: false});"""


# swagger-ui-py's static folder: only the assets are used, not its framework handlers
SWAGGER_UI_ASSETS = str(files("swagger_ui") / "static")
READY_TTL = 5.0
Verdict = tuple[int, str, str]


def _check_ready(url: str | None) -> Verdict:
    if not url:
        return 503, "Not ready", "no database is configured (DATABASE_URL)"
    try:
        with db.connect(url, connect_timeout=3) as conn:
            todo = migrate.pending(conn)
    except migrate.MigrationError as exc:
        return 503, "Not ready", f"schema mismatch: {exc}"
    except psycopg.Error:
        return 503, "Not ready", "the database is not reachable"
    if todo:
        return 503, "Not ready", f"{len(todo)} migrations pending"
    return 200, "", ""


class _ReadyCache:
    """The last verdict, reused for READY_TTL seconds; one check at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._verdict: Verdict = (503, "Not ready", "not checked yet")

    def get(self, check: Callable[[], Verdict]) -> Verdict:
        with self._lock:
            if time.monotonic() - self._at >= READY_TTL:
                self._verdict = check()
                self._at = time.monotonic()
            return self._verdict


@operation("getHealth")
def health() -> Response:
    """Liveness: never touches the database, so a database outage does not make the
    orchestrator kill healthy tasks."""
    return jsonify(status="ok")


@operation("getReadiness")
def ready() -> Response:
    """Readiness, checked at most once per READY_TTL seconds per process: a caller
    without a key cannot make the API open a database connection per request."""
    checked = current_app.extensions.setdefault("reminderly.ready", _ReadyCache())
    status, title, detail = checked.get(lambda: _check_ready(current_app.config["DATABASE_URL"]))
    if status != 200:
        return problem(status, title, detail)
    return jsonify(status="ready", database="ok", migrations="current")


@operation("getOpenApi")
def openapi() -> Response:
    return jsonify(bundled())


def docs() -> str:
    return render_template_string(_DOCS)


def docs_init() -> Response:
    return Response(_INIT, mimetype="application/javascript")


def docs_asset(name: str) -> Response:
    return send_from_directory(SWAGGER_UI_ASSETS, name)


def install_docs(app: Flask) -> None:
    """Swagger UI: pages for people, not API operations (not in the definition)."""
    app.add_url_rule("/docs", "docs", docs)
    app.add_url_rule("/docs/init.js", "docs_init", docs_init)
    app.add_url_rule("/docs/assets/<path:name>", "docs_asset", docs_asset)
