"""What a request needs is missing right now (no database configured or reachable, a
connection lost mid-request, no render process): a 503 with Retry-After, not a 500. The API
answers it as problem+json and the console as a page; what it says, and the log line, are
decided here once."""

from __future__ import annotations

import logging

import psycopg
from flask import g
from psycopg_pool import PoolTimeout

from app_service.template_sandbox import RendererUnavailable
from app_service.web import request_db

KINDS: tuple[type[Exception], ...] = (
    request_db.DatabaseUnavailable,
    psycopg.OperationalError,
    PoolTimeout,
    RendererUnavailable,
)
log = logging.getLogger("reminderly.api")


def described(exc: Exception) -> tuple[str, dict[str, str]]:
    """The detail to show and the Retry-After header; logs the kind (never the message,
    which may name a host)."""
    if isinstance(exc, RendererUnavailable):
        detail = "no render process could be started; try again later"
    elif isinstance(exc, request_db.DatabaseUnavailable):
        detail = f"{exc}; try again later"
    else:
        detail = "the database is not reachable; try again later"
    log.warning(
        "service unavailable",
        extra={"request_id": g.get("request_id"), "error": type(exc).__name__},
    )
    return detail, {"Retry-After": str(max(1, request_db.RETRY_SECONDS))}
