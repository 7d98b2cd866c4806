"""Liveness, readiness, the definition and its Swagger UI (assets from the swagger-ui-bundle
package, no CDN)."""

from __future__ import annotations

import psycopg
from flask import Flask, Response, jsonify, render_template_string, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from app_service import migrate
from app_service.api.problems import problem
from app_service.api.routes import route
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


def register(app: Flask) -> None:
    def health() -> Response:
        """Liveness: never touches the database, so a database outage does not make the
        orchestrator kill healthy tasks."""
        return jsonify(status="ok")

    def ready() -> Response:
        url = app.config["DATABASE_URL"]
        if not url:
            return problem(503, "Not ready", "no database is configured (DATABASE_URL)")
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                todo = migrate.pending(conn)
        except migrate.MigrationError as exc:
            return problem(503, "Not ready", f"schema mismatch: {exc}")
        except psycopg.Error:
            return problem(503, "Not ready", "the database is not reachable")
        if todo:
            return problem(503, "Not ready", f"{len(todo)} migrations pending")
        return jsonify(status="ready", database="ok", migrations="current")

    def openapi() -> Response:
        return jsonify(bundled())

    def docs() -> str:
        return render_template_string(_DOCS)

    def docs_init() -> Response:
        return Response(_INIT, mimetype="application/javascript")

    def docs_asset(name: str) -> Response:
        return send_from_directory(swagger_ui_path, name)

    route(app, "/v1/health", "getHealth", health)
    route(app, "/v1/ready", "getReadiness", ready)
    route(app, "/v1/openapi.json", "getOpenApi", openapi)
    app.add_url_rule("/docs", "docs", docs)
    app.add_url_rule("/docs/init.js", "docs_init", docs_init)
    app.add_url_rule("/docs/assets/<path:name>", "docs_asset", docs_asset)
