"""The console's sign-in pages: password and second factor (TOTP or a security key), TOTP
enrolment, accepting an invitation, password change and reset, and single sign-on. Every rule is
in app_service/people; these views only translate forms to calls and results to pages."""

from __future__ import annotations

import hmac
import json
import secrets

from flask import Blueprint, Response, abort, current_app, g, redirect, request, session

from app_service.dashboard.views import _check_csrf as check_csrf
from app_service.dashboard.views import actor, base_url, page, person_only, signed_in
from app_service.people import (
    directory,
    passwords,
    security_keys,
    sign_in,
    sso,
)
from app_service.web import request_db
from app_service.web.limits import sign_in_failed

bp = Blueprint("sign_in", __name__, static_folder="static", static_url_path="/console-static")


def _secret() -> str:
    return current_app.extensions["reminderly.people_secret"]


def _context() -> sign_in.Context:
    return sign_in.Context(
        address=request.remote_addr or "",
        request_id=g.get("request_id"),
        user_agent=request.headers.get("User-Agent", "")[:300],
    )


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
    if outcome.status == "sso_required":
        response = page(
            "dashboard/login.html",
            error="Your account signs in through single sign-on: use the link below.",
            email=email,
        )
        return response, 403
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


@bp.get("/account")
@signed_in
def account_page():
    """One's own sign-in: the pages that change it, apart from the account's menu."""
    person_only()
    return page("dashboard/account.html")


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


@bp.route("/account/email", methods=["GET", "POST"])
@signed_in
def email_page():
    """Changing one's sign-in email: re-authentication, then a link to the new address."""
    person_only()
    if request.method == "GET":
        return page("dashboard/email.html")
    check_csrf()
    conn = request_db.connection()
    me = sign_in.current(conn, session.get("sid"))
    form = request.form
    try:
        sign_in.request_email_change(
            conn,
            me,
            form.get("email", ""),
            form.get("current", ""),
            form.get("code", ""),
            _secret(),
            base_url(),
            _context(),
        )
    except directory.InvalidChange as exc:
        return page("dashboard/email.html", error=f"New email: {exc.reason}"), 400
    except PermissionError as exc:
        sign_in_failed(current_app)
        return page("dashboard/email.html", error=str(exc)), 401
    return page("dashboard/email.html", sent=True)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def email_confirm(token: str):
    """The link mailed to the new address. Opening it (GET) changes nothing, so a mail
    scanner that follows links cannot spend it; the button does."""
    if request.method == "GET":
        return page("dashboard/email_confirm.html", token=token)
    check_csrf()
    if not sign_in.confirm_email_change(request_db.connection(), token, _context()):
        return page(
            "dashboard/error.html",
            title="Link not valid",
            detail="This link was used or has expired, or the address now has a sign-in; "
            "ask for the change again.",
        ), 404
    session.clear()
    return redirect("/login?email_changed=1")


@bp.route("/login/reset", methods=["GET", "POST"])
def reset_request():
    """The same answer whether or not the email has a sign-in (no enumeration)."""
    if request.method == "GET":
        return page("dashboard/reset_request.html")
    check_csrf()
    sign_in.request_reset(request_db.connection(), request.form.get("email", ""), base_url())
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
    person_only()
    found = security_keys.listed(request_db.connection(), g.dash["user_id"])
    return page("dashboard/security_keys.html", keys=found)


@bp.post("/account/security-keys/remove")
@signed_in
def security_key_remove():
    """Removing a key changes how one signs in: re-authentication first."""
    check_csrf()
    person_only()
    conn = request_db.connection()
    me = sign_in.current(conn, session.get("sid"))
    form = request.form

    def again(error: str, status: int):
        found = security_keys.listed(conn, g.dash["user_id"])
        return page("dashboard/security_keys.html", keys=found, error=error), status

    try:
        sign_in.reauthenticate(
            conn,
            me,
            form.get("current", ""),
            form.get("code", ""),
            _secret(),
            _context(),
            "security_key.remove_failed",
        )
        name = security_keys.remove(conn, me, form.get("key", ""), actor())
    except PermissionError as exc:
        sign_in_failed(current_app)
        return again(str(exc), 401)
    except security_keys.Refused as exc:
        return again(f"Key: {exc}", 404)
    found = security_keys.listed(conn, g.dash["user_id"])
    return page("dashboard/security_keys.html", keys=found, removed=name)


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@signed_in
def recovery_codes_page():
    """New recovery codes (the old ones stop working) after re-authentication."""
    person_only()
    if request.method == "GET":
        return page("dashboard/recovery_renew.html")
    check_csrf()
    conn = request_db.connection()
    me = sign_in.current(conn, session.get("sid"))
    try:
        codes = sign_in.renew_recovery_codes(
            conn,
            me,
            request.form.get("current", ""),
            request.form.get("code", ""),
            _secret(),
            _context(),
        )
    except PermissionError as exc:
        sign_in_failed(current_app)
        return page("dashboard/recovery_renew.html", error=str(exc)), 401
    return page("dashboard/recovery_codes.html", codes=codes)


@bp.post("/webauthn/register/options")
@signed_in
def webauthn_register_options():
    _json_csrf()
    person_only()
    conn = request_db.connection()
    me = sign_in.current(conn, session.get("sid"))
    body = request.get_json(silent=True) or {}
    try:
        sign_in.reauthenticate(
            conn,
            me,
            str(body.get("password") or ""),
            str(body.get("code") or ""),
            _secret(),
            _context(),
            "security_key.add_failed",
        )
    except PermissionError as exc:
        sign_in_failed(current_app)
        return _refused(str(exc), 401)
    options, challenge = security_keys.registration_options(conn, me, base_url())
    session["webauthn_challenge"] = challenge.hex()
    return Response(options, mimetype="application/json")


@bp.post("/webauthn/register/verify")
@signed_in
def webauthn_register_verify():
    _json_csrf()
    person_only()
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
            base_url(),
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
    made = security_keys.authentication_options(
        request_db.connection(), found["user_id"], base_url()
    )
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
        base_url(),
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
