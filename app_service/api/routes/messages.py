"""One message with its events."""

from __future__ import annotations

from flask import Flask, jsonify

from app_service.api import shapes
from app_service.api.problems import not_found
from app_service.api.routes import conn, route
from app_service.db import rows
from app_service.queries import Q


def register(app: Flask) -> None:
    def get_message(message_id: int):
        found = rows(conn(), Q.get_message, {"id": message_id})
        if not found:
            raise not_found("message", message_id)
        m = found[0]
        events = rows(conn(), Q.message_events, {"message_id": message_id})
        return jsonify(
            {
                **shapes.message(m),
                "last_error": m["last_error"],
                "provider_message_id": m["provider_message_id"],
                "events": [
                    {
                        "kind": e["kind"],
                        "data": e["data"],
                        "occurred_at": shapes.ts(e["occurred_at"]),
                    }
                    for e in events
                ],
            }
        )

    route(app, "/v1/messages/<id:message_id>", "getMessage", get_message)
