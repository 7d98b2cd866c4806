"""The HTTP API (Flask). So far: liveness and readiness, the probes the load balancer and
ECS use; the resources of the API issue grow here."""

from __future__ import annotations

import psycopg
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from app_service import migrate
from app_service.api.problems import problem
from app_service.config import Settings


def create_app(database_url: str | None = None) -> Flask:
    """The WSGI app. The database URL comes from DATABASE_URL unless given."""
    app = Flask(__name__)
    app.config["DATABASE_URL"] = database_url or Settings.from_env().database_url

    @app.get("/v1/health")
    def health() -> Response:
        """Liveness: the process serves requests. Never touches the database, so a database
        outage does not make the orchestrator kill healthy tasks."""
        return jsonify(status="ok")

    @app.get("/v1/ready")
    def ready() -> Response | tuple[Response, int]:
        """Readiness: the database answers and its schema is current."""
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

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return problem(exc.code or 500, exc.name, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return problem(
            500, "Internal Server Error", "an unexpected error occurred; it has been logged"
        )

    return app
