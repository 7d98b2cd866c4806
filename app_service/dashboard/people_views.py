"""The console's people pages: sign-in with a password and a second factor, TOTP enrolment,
invitations, members and roles, one's own sessions, and the audit log. Every rule is in
app_service/people; these views only translate forms to calls and results to pages."""

from __future__ import annotations

import hmac
import json
import os
import secrets

from flask import Blueprint, Response, abort, current_app, g, redirect, request, session

from app_service import customers, locations
from app_service.dashboard import views
from app_service.dashboard.views import _check_csrf as check_csrf
from app_service.dashboard.views import _go, actor, may, page, signed_in
from app_service.people import (
    audit,
    customer_care,
    directory,
    inbox,
    keys,
    passwords,
    permissions,
    security_keys,
    sign_in,
    sso,
)
from app_service.web import request_db
from app_service.web.limits import sign_in_failed

bp = Blueprint("people", __name__, static_folder="static", static_url_path="/console-static")


def _secret() -> str:
    return current_app.extensions["reminderly.people_secret"]


def _context() -> sign_in.Context:
    return sign_in.Context(
        address=request.remote_addr or "",
        request_id=g.get("request_id"),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )


def _base_url() -> str:
    return os.environ.get("REMINDERLY_PUBLIC_URL") or request.url_root


def _pending() -> dict | None:
    """The session between password and second factor (a user session, MFA not done)."""
    if session.get("kind") != "user":
        return None
    return sign_in.current(request_db.connection(), session.get("sid"))


def password_sign_in():
    """POST /login with email and password (views.login hands it over)."""
    email = request.form.get("email", "")
    outcome = sign_in.with_password(
        request_db.connection(), email, request.form.get("password", ""), _context()
    )
    if outcome.status == "throttled":
        response = page(
            "dashboard/login.html", error="Too many attempts from here; wait a few minutes."
        )
        return response, 429, {"Retry-After": "300"}
    if outcome.session_id is None:
        sign_in_failed(current_app)
        return page("dashboard/login.html", error=sign_in.GENERIC_ERROR, email=email), 401
    session.clear()
    session.permanent = True
    session["sid"] = outcome.session_id  # a new server-side session on every sign-in
    session["kind"] = "user"
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect("/login/mfa" if outcome.status == "signed_in_pending_mfa" else "/mfa/setup")


@bp.get("/login/mfa")
def mfa_form():
    found = _pending()
    if found is None:
        return redirect("/login")
    if found["mfa_done"]:
        return redirect("/")
    has_keys = bool(security_keys.listed(request_db.connection(), found["user_id"]))
    return page("dashboard/mfa.html", has_keys=has_keys)


@bp.post("/login/mfa")
def mfa_check():
    check_csrf()
    found = _pending()
    if found is None or not found["totp_confirmed"]:
        return redirect("/login")
    found = {**found, "session_id": session["sid"]}
    if not sign_in.second_factor(
        request_db.connection(), found, request.form.get("code", ""), _secret(), _context()
    ):
        sign_in_failed(current_app)
        return page("dashboard/mfa.html", error=sign_in.GENERIC_ERROR), 401
    return redirect("/")


@bp.route("/mfa/setup", methods=["GET", "POST"])
def mfa_setup():
    """Every user enrols an authenticator before the console opens (MFA is required)."""
    found = _pending()
    if found is None:
        return redirect("/login")
    if found["totp_confirmed"]:
        return redirect("/" if found["mfa_done"] else "/login/mfa")
    conn = request_db.connection()
    if request.method == "POST":
        check_csrf()
        codes = sign_in.confirm_enrolment(
            conn,
            {**found, "session_id": session["sid"]},
            request.form.get("code", ""),
            _secret(),
            _context(),
        )
        if codes is not None:
            return page("dashboard/recovery_codes.html", codes=codes)
        error = "That code did not match; check the authenticator's time and try the next code."
        enrolment = sign_in.start_enrolment(conn, found, _secret())
        return page("dashboard/mfa_setup.html", enrolment=enrolment, error=error), 400
    return page(
        "dashboard/mfa_setup.html", enrolment=sign_in.start_enrolment(conn, found, _secret())
    )


@bp.get("/invitations/<token>")
def invitation_form(token: str):
    found = sign_in.invitation(request_db.connection(), token)
    if found is None:
        return page(
            "dashboard/error.html",
            title="Invitation not valid",
            detail="This invitation was used, cancelled or has expired; ask for a new one.",
        ), 404
    return page("dashboard/accept.html", inv=found, token=token)


@bp.post("/invitations/<token>")
def invitation_accept(token: str):
    check_csrf()
    conn = request_db.connection()
    found = sign_in.invitation(conn, token)
    if found is None:
        abort(404)
    try:
        accepted = sign_in.accept_invitation(
            conn,
            token,
            request.form.get("password"),
            request.form.get("display_name", ""),
            _context(),
        )
    except passwords.WeakPassword as exc:
        return page("dashboard/accept.html", inv=found, token=token, error=str(exc)), 400
    if accepted is None:
        abort(404)
    return redirect("/login?welcome=1")


@bp.get("/people")
@signed_in
def people_page(error: str | None = None, status: int = 200, invited: str | None = None):
    if not may("manage_users"):
        abort(403, "your role may not manage people")
    conn = request_db.connection()
    return page(
        "dashboard/people.html",
        members=directory.members(conn),
        invitations=directory.invitations(conn),
        locations=locations.list_locations(conn, g.dash["account_id"], limit=500),
        roles=permissions.ROLES,
        error=error,
        invited=invited,
        me=g.dash.get("user_id"),
    ), status


def _changed(call):
    """Run a change; its refusals become the page's 403 or a 400 naming the field; a change
    that found nothing to change is a 404."""
    try:
        done = call()
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    except directory.InvalidChange as exc:
        return people_page(error=f"{exc.field}: {exc.reason}", status=400)
    if done is None or done is False:
        abort(404)
    if isinstance(done, directory.Invitation) and request.path.endswith("/invite"):
        return people_page(invited=done.email)
    return redirect("/people")


def _location(value: str | None) -> int | None:
    """The form's location (a public id, as every id the console shows) as its row id."""
    if not value or not value.isdigit() or len(value) > 19:
        return None
    return current_app.extensions["reminderly.ids"].decode(int(value)) or 0


@bp.post("/people/invite")
@signed_in
def invite():
    check_csrf()
    form = request.form
    return _changed(
        lambda: directory.invite(
            request_db.connection(),
            actor(),
            form.get("email", ""),
            form.get("role", ""),
            base_url=_base_url(),
            location_id=_location(form.get("location_id")),
        )
    )


@bp.post("/people/<id:user_id>/role")
@signed_in
def change_role(user_id: int):
    check_csrf()
    form = request.form
    return _changed(
        lambda: directory.change_role(
            request_db.connection(),
            actor(),
            user_id,
            form.get("role", ""),
            _location(form.get("location_id")),
        )
    )


@bp.post("/people/<id:user_id>/remove")
@signed_in
def remove(user_id: int):
    check_csrf()
    return _changed(lambda: directory.remove(request_db.connection(), actor(), user_id))


@bp.post("/people/invitations/<id:invitation_id>/cancel")
@signed_in
def cancel_invitation(invitation_id: int):
    check_csrf()
    return _changed(lambda: directory.cancel(request_db.connection(), actor(), invitation_id))


@bp.post("/people/invitations/<id:invitation_id>/resend")
@signed_in
def resend_invitation(invitation_id: int):
    check_csrf()
    return _changed(
        lambda: directory.resend(request_db.connection(), actor(), invitation_id, base_url=_base_url())
    )


@bp.get("/sessions")
@signed_in
def sessions_page():
    if g.dash.get("user_id") is None:
        abort(404)
    found = sign_in.own_sessions(request_db.connection(), g.dash["user_id"])
    return page("dashboard/sessions.html", sessions=found)


@bp.post("/sessions/end")
@signed_in
def end_session():
    check_csrf()
    if g.dash.get("user_id") is None:
        abort(404)
    sign_in.end_own_session(
        request_db.connection(), g.dash["user_id"], request.form.get("session", "")
    )
    return redirect("/sessions")


@bp.get("/audit")
@signed_in
def audit_page():
    if not may("read_audit"):
        abort(403, "your role may not read the audit log")
    action = (request.args.get("action") or "").strip()[:100] or None
    csv_wanted = request.args.get("format") == "csv"
    found = _published(
        audit.entries(request_db.connection(), action=action, limit=10_000 if csv_wanted else 200)
    )
    if csv_wanted:
        return Response(
            audit.to_csv(found),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )
    return page("dashboard/audit.html", entries=found, action=action or "")


def _published(entries: list[dict]) -> list[dict]:
    """Ids in audit entries as the tenant sees ids everywhere else: public (public_ids)."""
    ids = current_app.extensions["reminderly.ids"]
    out = []
    for e in entries:
        e = dict(e)
        for key in ("actor_user", "actor_key"):
            if e.get(key) is not None:
                e[key] = ids.encode(int(e[key]))
        if e.get("object_id") and e["object_id"].isdigit():
            e["object_id"] = str(ids.encode(int(e["object_id"])))
        for key in ("before", "after"):  # *_id fields inside, as in API bodies
            if isinstance(e.get(key), dict):
                e[key] = ids.publish(e[key])
        out.append(e)
    return out


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def password_page():
    """Changing one's password asks for the current one and a fresh code (re-authentication)."""
    if g.dash.get("user_id") is None:
        abort(404)
    if request.method == "GET":
        return page("dashboard/password.html")
    check_csrf()
    conn = request_db.connection()
    me = sign_in.current(conn, session.get("sid"))
    form = request.form
    try:
        sign_in.change_password(
            conn,
            me,
            form.get("current", ""),
            form.get("new", ""),
            form.get("code", ""),
            _secret(),
            _context(),
        )
    except passwords.WeakPassword as exc:
        return page("dashboard/password.html", error=str(exc)), 400
    except PermissionError as exc:
        sign_in_failed(current_app)
        return page("dashboard/password.html", error=str(exc)), 401
    return page("dashboard/password.html", done=True)


@bp.route("/login/reset", methods=["GET", "POST"])
def reset_request():
    """The same answer whether or not the email has a sign-in (no enumeration)."""
    if request.method == "GET":
        return page("dashboard/reset_request.html")
    check_csrf()
    sign_in.request_reset(request_db.connection(), request.form.get("email", ""), _base_url())
    return page("dashboard/reset_request.html", sent=True)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_finish(token: str):
    conn = request_db.connection()
    if sign_in.reset_target(conn, token) is None:
        return page(
            "dashboard/error.html",
            title="Link not valid",
            detail="This reset link was used or has expired; ask for a new one.",
        ), 404
    if request.method == "GET":
        return page("dashboard/reset.html", token=token)
    check_csrf()
    try:
        done = sign_in.finish_reset(
            conn,
            token,
            request.form.get("new", ""),
            request.form.get("code", ""),
            _secret(),
            _context(),
        )
    except passwords.WeakPassword as exc:
        return page("dashboard/reset.html", token=token, error=str(exc)), 400
    if not done:
        sign_in_failed(current_app)
        return page("dashboard/reset.html", token=token, error=sign_in.GENERIC_ERROR), 401
    session.clear()
    return redirect("/login?reset=1")


@bp.get("/keys")
@signed_in
def keys_page(made=None, error: str | None = None, status: int = 200):
    if not may("manage_keys"):
        abort(403, "your role may not manage API keys")
    found = keys.listed(request_db.connection())
    return page("dashboard/keys.html", keys=found, made=made, error=error), status


@bp.post("/keys")
@signed_in
def make_key():
    check_csrf()
    if not may("manage_keys"):
        abort(403, "your role may not manage API keys")
    try:
        made = keys.make(
            request_db.connection(),
            actor(),
            request.form.get("name", ""),
            request.form.get("scope", ""),
        )
    except ValueError as exc:
        return keys_page(error=str(exc), status=400)
    return keys_page(made=made)


@bp.post("/keys/<id:key_id>/revoke")
@signed_in
def revoke_key(key_id: int):
    check_csrf()
    if not may("manage_keys"):
        abort(403, "your role may not manage API keys")
    if keys.revoke(request_db.connection(), actor(), key_id) is None:
        abort(404)
    return redirect("/keys")


def _person_only() -> None:
    if g.dash.get("user_id") is None:
        abort(403, "the inbox is for people: sign in with your email")


@bp.get("/inbox")
@signed_in
def inbox_page():
    _person_only()
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
    _person_only()
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
    _person_only()
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
    _person_only()
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
        return views.customer_page(customer_id, error=str(exc), status=400)
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
        return views.customer_page(customer_id, error="type erase to confirm", status=400)
    try:
        outcome = customer_care.erase(conn, actor(), customer_id)
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    if outcome == "sending":
        return views.customer_page(
            customer_id,
            error="a message to this customer is being sent; try again in a minute",
            status=409,
        )
    return _go(f"/customers/{customer_id}")


def _json_csrf() -> None:
    """JSON calls from the console's script carry the page's CSRF token in a header."""
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "the page has expired; reload it")


def _refused(detail: str, status: int = 400):
    return (
        {"title": "Security key refused", "status": status, "detail": detail},
        status,
        {"Content-Type": "application/problem+json"},
    )


@bp.get("/account/security-keys")
@signed_in
def security_keys_page():
    _person_only()
    found = security_keys.listed(request_db.connection(), g.dash["user_id"])
    return page("dashboard/security_keys.html", keys=found)


@bp.post("/webauthn/register/options")
@signed_in
def webauthn_register_options():
    _json_csrf()
    _person_only()
    me = sign_in.current(request_db.connection(), session.get("sid"))
    options, challenge = security_keys.registration_options(request_db.connection(), me, _base_url())
    session["webauthn_challenge"] = challenge.hex()
    return Response(options, mimetype="application/json")


@bp.post("/webauthn/register/verify")
@signed_in
def webauthn_register_verify():
    _json_csrf()
    _person_only()
    challenge = bytes.fromhex(session.pop("webauthn_challenge", "") or "")
    body = request.get_json(silent=True) or {}
    if not challenge or not isinstance(body.get("credential"), dict):
        return _refused("start again: no registration is under way")
    conn = request_db.connection()
    me = sign_in.current(conn, session.get("sid"))
    try:
        security_keys.register(
            conn,
            me,
            json.dumps(body["credential"]),
            challenge,
            _base_url(),
            str(body.get("name") or ""),
            actor(),
        )
    except security_keys.Refused as exc:
        return _refused(str(exc))
    return {"registered": True}


@bp.post("/webauthn/auth/options")
def webauthn_auth_options():
    _json_csrf()
    found = _pending()
    if found is None or found["mfa_done"]:
        return _refused("no sign-in is waiting for its second factor", 404)
    made = security_keys.authentication_options(request_db.connection(), found["user_id"], _base_url())
    if made is None:
        return _refused("no security key is registered to this sign-in", 404)
    options, challenge = made
    session["webauthn_challenge"] = challenge.hex()
    return Response(options, mimetype="application/json")


@bp.post("/webauthn/auth/verify")
def webauthn_auth_verify():
    _json_csrf()
    found = _pending()
    challenge = bytes.fromhex(session.pop("webauthn_challenge", "") or "")
    body = request.get_json(silent=True) or {}
    if (
        found is None
        or found["mfa_done"]
        or not challenge
        or not isinstance(body.get("credential"), dict)
    ):
        return _refused("start again: no sign-in is waiting for a security key")
    ok = sign_in.with_security_key(
        request_db.connection(),
        {**found, "session_id": session["sid"]},
        json.dumps(body["credential"]),
        challenge,
        _base_url(),
        _context(),
    )
    if not ok:
        sign_in_failed(current_app)
        return _refused(sign_in.GENERIC_ERROR, 401)
    return {"signed_in": True}


@bp.get("/login/sso")
def sso_sign_in():
    """Reached through the load balancer's authenticate-oidc rule (the only path it guards)."""
    settings = sso.SsoSettings.from_env()
    if settings is None:
        abort(404)
    token = request.headers.get("x-amzn-oidc-data", "")
    try:
        identity = sso.verify(token, settings)
    except sso.Refused:
        sign_in_failed(current_app)
        return page("dashboard/login.html", error=sign_in.GENERIC_ERROR), 401
    outcome = sign_in.with_sso(request_db.connection(), identity, _context())
    if outcome.session_id is None:
        return page(
            "dashboard/login.html",
            error="Your organisation's sign-in worked, but no "
            "reminderly account has you as a member; ask an owner to invite you.",
        ), 403
    session.clear()
    session.permanent = True
    session["sid"], session["kind"] = outcome.session_id, "user"
    session["csrf"] = secrets.token_urlsafe(32)
    return redirect("/")
