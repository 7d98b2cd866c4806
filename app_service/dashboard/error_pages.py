"""People in a browser get a page, not JSON: the console's blueprints answer their errors
(403, 404, 405, 413, 429, and 503 when the database or the renderer is missing) with the
console's error page, whatever raised them (a view, or the app's hooks before it). The API's
problem+json handlers answer everything else; neither knows the other."""

from __future__ import annotations

import psycopg
from flask import Blueprint, Response, g, render_template, request
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException

from app_service.template_sandbox import RendererUnavailable
from app_service.web import request_db


def _page(title: str, detail: str, status: int, headers: dict | None = None) -> Response:
    html = render_template(
        "dashboard/error.html", title=title, detail=detail, session_info=g.get("dash")
    )
    return Response(html, status=status, mimetype="text/html", headers=headers)


def http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    headers = {}
    if getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    if getattr(exc, "retry_after", None):
        headers["Retry-After"] = str(exc.retry_after)
    detail = exc.description or exc.name
    if code == 413:
        detail = f"the upload exceeds {g.get('body_limit') or request.max_content_length} bytes"
    return _page(exc.name, detail, code, headers)


def unavailable(exc: Exception) -> Response:
    if isinstance(exc, RendererUnavailable):
        detail = "no render process could be started; try again later"
    elif isinstance(exc, request_db.DatabaseUnavailable):
        detail = f"{exc}; try again later"
    else:
        detail = "the database is not reachable; try again later"
    retry = {"Retry-After": str(max(1, request_db.RETRY_SECONDS))}
    return _page("Service Unavailable", detail, 503, retry)


def install(bp: Blueprint) -> None:
    """Once per blueprint (the blueprints are module-level; tests build many apps)."""
    if HTTPException in bp.error_handler_spec.get(None, {}).get(None, {}):
        return
    bp.register_error_handler(HTTPException, http_error)
    for unavailable_kind in (
        request_db.DatabaseUnavailable,
        psycopg.OperationalError,
        PoolTimeout,
        RendererUnavailable,
    ):
        bp.register_error_handler(unavailable_kind, unavailable)
