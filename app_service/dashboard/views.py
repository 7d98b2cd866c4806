"""The console: its blueprint, sign-in with an API key, sessions, CSRF and the helpers every
console page uses (see the package docstring for the security model)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import wraps
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
)

from app_service import (
    api_keys,
    config,
    console_sessions,
)
from app_service.people import audit, permissions, sign_in
from app_service.web import request_db
from app_service.web.limits import RateState, sign_in_failed

bp = Blueprint("dashboard", __name__, template_folder=str(Path(__file__).parent / "templates"))
MAX_UPLOAD = 16 << 20


def configure(app: Flask, link_secret: str) -> None:
    # the session cookie is signed with a key derived from the deployment's link secret
    app.secret_key = hmac.new(
        link_secret.encode(), b"reminderly-dashboard-session", hashlib.sha256
    ).hexdigest()
    # __Host-: only ever set over https, for this host and path / (no subdomain can plant it)
    app.config.update(
        SESSION_COOKIE_NAME="__Host-session",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    app.extensions["reminderly.people_secret"] = link_secret  # seals TOTP secrets
    ids = app.extensions["reminderly.ids"]
    app.jinja_env.filters["pid"] = lambda value: ids.encode(int(value))  # a row id, shown
    from app_service.dashboard import (
        campaign_views,
        error_pages,
        inbox_views,
        people_views,
        records_views,  # noqa: F401 (its routes are on bp, registered below)
        report_views,
        sign_in_views,
        template_views,
    )

    for blueprint in (
        bp,
        sign_in_views.bp,
        people_views.bp,
        inbox_views.bp,
        campaign_views.bp,
        template_views.bp,
        report_views.bp,
    ):
        error_pages.install(blueprint)
        app.register_blueprint(blueprint)


def _go(path: str) -> Response:
    """A redirect within the dashboard: its row ids made public (public_ids)."""
    return redirect(current_app.extensions["reminderly.ids"].publish_path(path))


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _check_csrf() -> None:
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent, session.get("csrf", "")) or not sent:
        abort(400, "the form has expired; reload the page")


def page(template: str, **context) -> str:
    return render_template(
        template, csrf_token=_csrf_token(), session_info=g.get("dash"), **context
    )


def may(action: str) -> bool:
    """The permission matrix (app_service/people/permissions.py) for the signed-in role; a
    key's session is a viewer when read-scoped and a manager when it may write."""
    return permissions.allowed(g.dash["role"], action)


def actor() -> audit.Actor:
    """Who is acting in this request, for the audit log."""
    return audit.Actor(
        account_id=g.dash["account_id"],
        user_id=g.dash.get("user_id"),
        key_id=g.dash.get("key_id"),
        role=g.dash["role"],
        address=request.remote_addr,
        request_id=g.get("request_id"),
    )


def _too_many(retry_after: int):
    response = make_response(
        render_template(
            "dashboard/error.html",
            title="Too many requests",
            detail="This key made too many requests this minute; try again shortly.",
        ),
        429,
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def _key_session(conn, session_id: str):
    key = console_sessions.key_session(conn, session_id)
    if key is None:  # ended, expired, idle, or its key revoked
        return None
    g.rate = RateState(key["rate_limit"], key["window_count"], key["retry_after"])
    if key["window_count"] > key["rate_limit"]:  # the key's per-minute limit holds here too
        return _too_many(key["retry_after"])
    scopes = api_keys.effective_scopes(key["scopes"])
    can_write = "write" in scopes
    return {
        "account_id": key["account_id"],
        "account_name": key["account_name"],
        "scope": "write" if can_write else "read",
        "can_write": can_write,
        "role": "manager" if can_write else "viewer",
        "key_id": key["id"],
    }


def _user_session(conn, session_id: str):
    found = sign_in.current(conn, session_id)
    if found is None:
        return None
    if not found["mfa_done"]:  # password done, second factor not yet
        return redirect("/login/mfa" if found["totp_confirmed"] else "/mfa/setup")
    role = str(found["role"])
    return {
        "account_id": found["account_id"],
        "account_name": found["account_name"],
        "scope": role,
        "role": role,
        "can_write": permissions.allowed(role, "upload"),
        "user_id": found["user_id"],
        "email": found["email"],
        "location_id": found["location_id"],
        "via_sso": found["via_sso"],
    }


def signed_in(view):
    """The session must still be live (a key unrevoked, a user enabled, still a member, past
    the second factor); the connection becomes its tenant."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        session_id = session.get("sid")
        conn = request_db.connection()
        if not session_id:
            return redirect("/login")
        found = (_user_session if session.get("kind") == "user" else _key_session)(conn, session_id)
        if found is None:
            session.pop("sid", None)
            return redirect("/login")
        if not isinstance(found, dict):  # a redirect or a 429
            return found
        g.dash = found
        if "user_id" in found:
            sign_in.enter_as_member(conn, found)
        else:
            request_db.enter_tenant(conn, found["account_id"])
        return view(*args, **kwargs)

    return wrapper


@bp.get("/login")
def login_form():
    from app_service.people.sso import SsoSettings

    return page("dashboard/login.html", sso=SsoSettings.from_env() is not None)


@bp.post("/login")
def login():
    _check_csrf()
    if "email" in request.form:  # a person: password now, second factor next
        from app_service.dashboard import sign_in_views

        return sign_in_views.password_sign_in()
    result = api_keys.authenticate(request_db.connection(), request.form.get("api_key", "").strip())
    # an operator-only key has no scope in its account: it does not open the dashboard
    if result.caller is None or result.rate_limited or "read" not in result.caller.scopes:
        sign_in_failed(current_app)
        return page("dashboard/login.html", error="That API key is not valid."), 401
    session.clear()
    session.permanent = True
    session_id = secrets.token_urlsafe(32)  # a new server-side session on every sign-in
    console_sessions.start_key_session(request_db.connection(), session_id, result.caller.key_id)
    session["sid"] = session_id
    session["kind"] = "key"
    session["csrf"] = secrets.token_urlsafe(32)  # a new token for the new session
    return redirect("/")


@bp.post("/logout")
def logout():
    """Ends the session on the server: the cookie, replayed, opens nothing."""
    _check_csrf()
    if session.get("sid"):
        console_sessions.end_key_session(request_db.connection(), session["sid"])
    session.clear()
    return redirect("/login")


def base_url() -> str:
    """Where links in mails to people point (invitations, resets): the public URL."""
    return config.current().public_url or request.url_root


def person_only() -> None:
    """Pages for people (inbox, security keys), not for a session opened with an API key."""
    if g.dash.get("user_id") is None:
        abort(403, "this page is for people: sign in with your email")
