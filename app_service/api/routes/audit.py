"""The account's audit log over the API (admin keys): the same entries, filters and CSV as the
console's audit page."""

from __future__ import annotations

from datetime import datetime

from flask import Response, request

from app_service.api import shapes
from app_service.api.paging import page
from app_service.api.routes import conn, ids
from app_service.api.routing import operation
from app_service.people import audit

CSV_LIMIT = 10_000


@operation("listAuditLog")
def list_audit_log():
    action = request.args.get("action")
    raw_since = request.args.get("since")
    since = datetime.fromisoformat(raw_since) if raw_since else None  # the contract checked it
    if request.args.get("format") == "csv":
        found = audit.entries(conn(), action=action, since=since, limit=CSV_LIMIT)
        return Response(
            audit.to_csv(audit.published(found, ids())),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )
    return page(  # newest first: the cursor is the last entry's id, read as "before"
        lambda before, limit: audit.entries(
            conn(), action=action, since=since, before_id=before or None, limit=limit
        ),
        lambda entry: _shaped(audit.published([entry], ids())[0]),
    )


def _shaped(entry: dict) -> dict:
    return {**entry, "at": shapes.ts(entry["at"])}
