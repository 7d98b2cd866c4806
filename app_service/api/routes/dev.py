"""POST /v1/dev/inbound: in development only, simulate what comes back for one of the
account's messages (an SMS reply, a delivery receipt, a survey answer) through the code paths
of the real webhooks, so an integrator can test their webhook handling end to end."""

from __future__ import annotations

from flask import jsonify

from app_service import message_records, tenancy
from app_service.api.problems import ApiError, bad_field, not_found
from app_service.api.routes import account_id, body, conn
from app_service.api.routing import operation
from app_service.inbound import simulate


@operation("simulateInbound")
def dev_inbound():
    try:
        simulate.check_stage()
    except simulate.NotAllowed as exc:
        raise ApiError(403, "Forbidden", str(exc)) from None
    data = body()
    message_id = data["message_id"]
    if message_records.get_message(conn(), message_id) is None:  # the caller's account only
        raise not_found("message", message_id)
    # the real webhooks run as the service's own login (the message names the tenant)
    tenancy.leave(conn())
    try:
        done = simulate.simulate(
            conn(),
            message_id,
            data["kind"],
            text=data.get("text", ""),
            outcome=data.get("outcome", "delivered"),
            score=data.get("score"),
            comment=data.get("comment", ""),
        )
    except simulate.CannotSimulate as exc:
        raise bad_field(f"/{exc.field}", exc.reason) from None
    finally:
        tenancy.enter(conn(), account_id())
    return jsonify(message_id=message_id, kind=data["kind"], result=done)
