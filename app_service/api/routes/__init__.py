"""The API's operations, one module per resource: module-level views, each registered under
its operationId (api/routing.py routes them from the definition), and the helpers they share."""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from app_service.public_ids import PublicIds
from app_service.web import request_db


def body() -> dict:
    """The JSON body (already checked against the contract), its ids read back to rows'
    (public_ids.Ref; 0 for a number that is no public id)."""
    return ids().internal(request.get_json(silent=True) or {})


def ids() -> PublicIds:
    return current_app.extensions["reminderly.ids"]


def conn():
    return request_db.connection()


def account_id() -> int:
    return g.caller.account_id


def created(payload: dict, location: str):
    response = jsonify(payload)
    response.status_code = 201
    response.headers["Location"] = location
    return response
