"""The console's customer care pages: the inbox of conversations, a conversation's actions and
notes, customer search, consent changes, export and erasure. Every rule is in
app_service/people (inbox, customer_care); these views only translate forms to calls."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, request

from app_service import customers, templates
from app_service.dashboard import records_views
from app_service.dashboard.views import _check_csrf as check_csrf
from app_service.dashboard.views import _go, actor, may, page, person_only, signed_in
from app_service.people import (
    answers,
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


def _row_id(value: str | None) -> int | None:
    """A form's or link's id (public, as every id the console shows) as its row id."""
    if not value or not value.isdigit() or len(value) > 19:
        return None
    return current_app.extensions["reminderly.ids"].decode(int(value))


@bp.get("/inbox/<id:customer_id>")
@signed_in
def conversation_page(
    customer_id: int,
    error: str | None = None,
    status: int = 200,
    draft: dict | None = None,
):
    """The conversation, with the answer form: `draft` is a refused answer's form (kept as
    written, same form token: nothing was queued), or a quick reply picked with ?quick=."""
    person_only()
    conn = request_db.connection()
    found = inbox.conversation(conn, actor(), customer_id)
    if found is None:
        abort(404)
    can_answer = may("answer_replies")
    form, quick_note = draft or {}, None
    if can_answer and draft is None and request.args.get("quick"):
        try:
            quick = answers.quick_reply(conn, customer_id, _row_id(request.args["quick"]) or 0)
        except answers.AnswerRefused as exc:
            error, status = str(exc), 400 if exc.reason == "template" else 404
        else:
            form = {
                "channel": quick["channel"],
                "text": quick["body"],
                "subject": quick["subject"] or "",
                "template_id": request.args["quick"],
            }
            if quick["sampled_fields"]:
                quick_note = "fill in: " + ", ".join(quick["sampled_fields"])
    if not form.get("token"):
        form["token"] = answers.new_form_token()
    return page(
        "dashboard/conversation.html",
        c=found,
        error=error,
        can_answer=can_answer,
        answer=form,
        quick_note=quick_note,
        reach=answers.context(conn, customer_id) if can_answer else None,
        quick_replies=(
            templates.list_templates(conn, g.dash["account_id"], 0, 100) if can_answer else []
        ),
    ), status


@bp.post("/inbox/<id:customer_id>/answer")
@signed_in
def conversation_answer(customer_id: int):
    """Queue an answer; the worker sends it. A refusal shows the form again as written."""
    check_csrf()
    person_only()
    form = request.form
    draft = {
        "channel": form.get("channel", "sms"),
        "text": form.get("text", ""),
        "subject": form.get("subject", ""),
        "token": form.get("form_token", ""),
        "template_id": form.get("template_id", ""),
    }
    try:
        answers.send(
            request_db.connection(),
            actor(),
            customer_id,
            channel=draft["channel"],
            text=draft["text"],
            subject=draft["subject"],
            form_token=draft["token"],
            schedule=form.get("schedule") == "next_allowed",
            template_id=_row_id(draft["template_id"]),
        )
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    except answers.AnswerRefused as exc:
        if exc.reason == "not_found":
            abort(404)
        if exc.reason == "quiet_hours":
            draft["offer_schedule"] = True
        if exc.reason == "token":
            draft["token"] = ""  # a fresh form token: the page gives one
        return conversation_page(
            customer_id,
            error=str(exc),
            status=409 if exc.reason in ("opted_out", "quiet_hours", "no_address") else 400,
            draft=draft,
        )
    return _go(f"/inbox/{customer_id}")


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
