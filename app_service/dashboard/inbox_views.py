"""The console's customer care pages: the inbox of conversations, a conversation's actions and
notes, customer search, consent changes, export and erasure. Every rule is in
app_service/people (inbox, customer_care); these views only translate forms to calls."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, request

from app_service import customers
from app_service.dashboard import records_views
from app_service.dashboard.views import _check_csrf as check_csrf
from app_service.dashboard.views import _go, actor, may, page, person_only, signed_in
from app_service.people import (
    customer_care,
    inbox,
    permissions,
)
from app_service.web import request_db

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@signed_in
def inbox_page():
    person_only()
    conn = request_db.connection()
    who, state = request.args.get("who", "all"), request.args.get("state", "open")
    found = inbox.listed(conn, g.dash["user_id"], who, state)
    return page(
        "dashboard/inbox.html",
        conversations=found,
        counts=inbox.counts(conn),
        who=who if who in inbox.WHO else "all",
        state=state if state in inbox.STATES else "open",
    )


@bp.get("/inbox/<id:customer_id>")
@signed_in
def conversation_page(customer_id: int, error: str | None = None, status: int = 200):
    person_only()
    found = inbox.conversation(request_db.connection(), actor(), customer_id)
    if found is None:
        abort(404)
    return page(
        "dashboard/conversation.html", c=found, error=error, can_answer=may("answer_replies")
    ), status


_ACTIONS = {
    "assign_me": {"assign": "me"},
    "unassign": {"assign": "nobody"},
    "close": {"state": "closed"},
    "reopen": {"state": "open"},
    "task_done": {"clear_task": True},
}


@bp.post("/inbox/<id:customer_id>")
@signed_in
def conversation_change(customer_id: int):
    check_csrf()
    person_only()
    change = _ACTIONS.get(request.form.get("action", ""))
    if change is None:
        abort(400, "unknown action")
    try:
        done = inbox.update(request_db.connection(), actor(), customer_id, **change)
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    if done is None:
        abort(404)
    return _go(f"/inbox/{customer_id}")


@bp.post("/inbox/<id:customer_id>/notes")
@signed_in
def conversation_note(customer_id: int):
    check_csrf()
    person_only()
    try:
        made = inbox.add_note(
            request_db.connection(), actor(), customer_id, request.form.get("note", "")
        )
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    except ValueError as exc:
        return conversation_page(customer_id, error=str(exc), status=400)
    if not made:
        abort(404)
    return _go(f"/inbox/{customer_id}")


@bp.get("/customers")
@signed_in
def customers_search():
    q = request.args.get("q", "")
    found = customer_care.search(request_db.connection(), q)
    return page("dashboard/customers.html", q=q, found=found)


@bp.post("/customers/<id:customer_id>/consent")
@signed_in
def customer_consent(customer_id: int):
    check_csrf()
    conn = request_db.connection()
    if customers.get_customer(conn, customer_id) is None:
        abort(404)
    form = request.form
    try:
        customer_care.change_consent(
            conn,
            actor(),
            customer_id,
            form.get("channel", ""),
            form.get("action", ""),
            form.get("reason", ""),
        )
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    except ValueError as exc:
        return records_views.customer_page(customer_id, error=str(exc), status=400)
    return _go(f"/customers/{customer_id}")


@bp.get("/customers/<id:customer_id>/export")
@signed_in
def customer_export(customer_id: int):
    conn = request_db.connection()
    if customers.get_customer(conn, customer_id) is None:
        abort(404)
    try:
        document = customer_care.export(conn, actor(), customer_id)
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    return Response(
        document,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@bp.post("/customers/<id:customer_id>/erase")
@signed_in
def customer_erase(customer_id: int):
    check_csrf()
    conn = request_db.connection()
    if customers.get_customer(conn, customer_id) is None:
        abort(404)
    if request.form.get("confirm") != "erase":
        return records_views.customer_page(customer_id, error="type erase to confirm", status=400)
    try:
        outcome = customer_care.erase(conn, actor(), customer_id)
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    if outcome == "sending":
        return records_views.customer_page(
            customer_id,
            error="a message to this customer is being sent; try again in a minute",
            status=409,
        )
    return _go(f"/customers/{customer_id}")
