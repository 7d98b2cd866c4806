"""People in a browser get a page, not JSON: the console's blueprints answer their errors
(403, 404, 405, 413, 429, and 503 when the database or the renderer is missing) with the
console's error page, whatever raised them (a view, or the app's hooks before it). The API's
problem+json handlers answer everything else; neither knows the other."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from app_service.web import unavailable as web_unavailable


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
    detail, headers = web_unavailable.described(exc)
    return _page("Service Unavailable", detail, 503, headers)


def install(bp: Blueprint) -> None:
    """Once per blueprint (the blueprints are module-level; tests build many apps)."""
    if HTTPException in bp.error_handler_spec.get(None, {}).get(None, {}):
        return
    bp.register_error_handler(HTTPException, http_error)
    for kind in web_unavailable.KINDS:
        bp.register_error_handler(kind, unavailable)
