"""Webhook endpoints: create (the secret shown once), list, read, change, delete, rotate the
secret, list delivery attempts, replay one event or a time range."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, jsonify

from app_service import safe_http, webhooks
from app_service.api import idempotency
from app_service.api.paging import encode, page, page_params
from app_service.api.problems import bad_field, not_found
from app_service.api.routes import account_id, body, conn, created
from app_service.api.routing import operation
from app_service.api.shapes import ts


def endpoint_shape(r: dict) -> dict:
    return {
        "id": r["id"],
        "url": r["url"],
        "description": r["description"],
        "event_types": list(r["event_types"]),
        "enabled": r["enabled"],
        "disabled_reason": r["disabled_reason"],
        "failing_since": ts(r["failing_since"]),
        "previous_secret_expires_at": ts(r["previous_secret_expires_at"])
        if r["previous_secret"]
        else None,
        "created_at": ts(r["created_at"]),
        "updated_at": ts(r["updated_at"]),
    }


def attempt_shape(r: dict) -> dict:
    return {
        "id": r["id"],
        "delivery_id": r["delivery_id"],
        "event_id": r["event_id"],
        "event_type": r["event_type"],
        "attempted_at": ts(r["attempted_at"]),
        "status_code": r["status_code"],
        "latency_ms": r["latency_ms"],
        "response_excerpt": r["response_excerpt"],
        "error": r["error"],
    }


def _policy() -> safe_http.Policy:
    return safe_http.Policy.from_env()


def _or_404(endpoint_id: int) -> dict:
    found = webhooks.get(conn(), endpoint_id)
    if found is None:
        raise not_found("webhook endpoint", endpoint_id)
    return found


@operation("listWebhookEndpoints")
def list_endpoints():
    return page(
        lambda after, limit: webhooks.list_endpoints(conn(), account_id(), after, limit),
        endpoint_shape,
    )


@operation("createWebhookEndpoint")
def create_endpoint():
    data = body()

    def create():
        try:
            made = webhooks.create(conn(), account_id(), data, _policy())
        except webhooks.InvalidEndpoint as exc:
            raise bad_field(f"/{exc.field}", exc.reason) from None
        shaped = {**endpoint_shape(made.endpoint), "secret": made.secret}
        return created(shaped, f"/v1/webhook-endpoints/{made.endpoint['id']}")

    return idempotency.run(create)


@operation("getWebhookEndpoint")
def get_endpoint(endpoint_id: int):
    return jsonify(endpoint_shape(_or_404(endpoint_id)))


@operation("updateWebhookEndpoint")
def update_endpoint(endpoint_id: int):
    try:
        found = webhooks.update(conn(), endpoint_id, body(), _policy())
    except webhooks.InvalidEndpoint as exc:
        raise bad_field(f"/{exc.field}", exc.reason) from None
    if found is None:
        raise not_found("webhook endpoint", endpoint_id)
    return jsonify(endpoint_shape(found))


@operation("deleteWebhookEndpoint")
def delete_endpoint(endpoint_id: int):
    if not webhooks.delete(conn(), endpoint_id):
        raise not_found("webhook endpoint", endpoint_id)
    return Response(status=204)


@operation("rotateWebhookSecret")
def rotate_secret(endpoint_id: int):
    overlap = timedelta(seconds=body().get("overlap_seconds", 86400))
    try:
        made = webhooks.rotate_secret(conn(), endpoint_id, overlap)
    except webhooks.InvalidEndpoint as exc:
        raise bad_field(f"/{exc.field}", exc.reason) from None
    if made is None:
        raise not_found("webhook endpoint", endpoint_id)
    return jsonify({**endpoint_shape(made.endpoint), "secret": made.secret})


@operation("listWebhookAttempts")
def list_attempts(endpoint_id: int):
    _or_404(endpoint_id)
    before, limit = page_params()
    found = webhooks.attempts(conn(), endpoint_id, before, limit + 1)
    more = len(found) > limit
    found = found[:limit]
    return jsonify(
        data=[attempt_shape(r) for r in found],
        next_cursor=encode(found[-1]["id"]) if more else None,
    )


@operation("replayWebhookEvent")
def replay(endpoint_id: int):
    _or_404(endpoint_id)
    event_id = body()["event_id"]
    queued = webhooks.replay(conn(), endpoint_id, event_id)
    if queued is None:
        raise not_found("event", event_id)
    response = jsonify(
        delivery_id=queued["id"], event_id=queued["event_id"], status=queued["status"]
    )
    response.status_code = 202
    return response


@operation("replayWebhookRange")
def replay_range(endpoint_id: int):
    data = body()
    since, until = (datetime.fromisoformat(data[k]) for k in ("since", "until"))
    try:
        queued = webhooks.replay_range(
            conn(), endpoint_id, since, until, only_undelivered=data.get("only_undelivered", False)
        )
    except webhooks.InvalidEndpoint as exc:
        raise bad_field(f"/{exc.field}", exc.reason) from None
    if queued is None:
        raise not_found("webhook endpoint", endpoint_id)
    response = jsonify(queued=queued)
    response.status_code = 202
    return response
