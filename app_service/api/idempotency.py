"""Idempotency-Key for creating POSTs: the first response is stored with a hash of the body in
the same transaction as the resource it created, so a retry (same key, same body) gets that
response back and creates nothing, and a reused key with another body is a 409. Concurrent
requests with one key serialise on its row. Errors are not stored: a failed create can be
retried with the same key.

No secret is ever stored: an operation that mints one (an API key, an account's first key)
passes `redact`, and what is stored, so what a retry gets back, is the response without it
(the key's id and prefix are there; a client that lost the first response revokes that key
and creates another)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from flask import Response, g, request

from app_service import idempotency_keys
from app_service.api.problems import ApiError, conflict
from app_service.web import request_db

REPLAYED = "Idempotent-Replayed"


def run(
    create: Callable[[], Response], *, redact: Callable[[dict], dict] | None = None
) -> Response:
    """Call `create` (which must return a JSON response) under the request's Idempotency-Key;
    `redact` takes the secrets out of what is stored."""
    key = request.headers.get("Idempotency-Key")
    conn = request_db.connection()
    if key is None:
        with conn.transaction():
            return create()
    ident = idempotency_keys.KeyOf(g.caller.account_id, f"{request.method} {request.path}", key)
    digest = hashlib.sha256(request.get_data()).digest()
    with conn.transaction():
        if idempotency_keys.claim(conn, ident, digest):
            response = create()
            stored_body = response.get_json()
            if redact is not None:
                stored_body = redact(stored_body)
            idempotency_keys.store(
                conn, ident, response.status_code, stored_body, response.headers.get("Location")
            )
            return response
        stored = idempotency_keys.stored(conn, ident)
    if bytes(stored["request_hash"]) != digest:
        raise conflict("this Idempotency-Key was used with a different request body")
    if stored["status_code"] == 0:
        raise ApiError(409, "Conflict", "a request with this Idempotency-Key is in progress")
    headers = {REPLAYED: "true"}
    if stored["location"]:
        headers["Location"] = stored["location"]
    return Response(
        json.dumps(stored["response"]),
        status=stored["status_code"],
        mimetype="application/json",
        headers=headers,
    )
