"""The console's people pages: members and roles, invitations, one's own sessions, API keys,
and the audit log. Every rule is in app_service/people; these views only translate forms to
calls and results to pages."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, g, redirect, request

from app_service import accounts, locations
from app_service.dashboard.views import _check_csrf as check_csrf
from app_service.dashboard.views import actor, base_url, may, page, signed_in
from app_service.people import (
    audit,
    directory,
    keys,
    permissions,
    sign_in,
    sso,
)
from app_service.web import request_db

bp = Blueprint("people", __name__)


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
            base_url=base_url(),
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
        lambda: directory.resend(
            request_db.connection(), actor(), invitation_id, base_url=base_url()
        )
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
    found = audit.published(
        audit.entries(request_db.connection(), action=action, limit=10_000 if csv_wanted else 200),
        current_app.extensions["reminderly.ids"],
    )
    if csv_wanted:
        return Response(
            audit.to_csv(found),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )
    return page("dashboard/audit.html", entries=found, action=action or "")


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


def _settings_page(error: str | None = None, status: int = 200, saved: bool = False):
    platform = current_app.extensions["reminderly.settings"]
    return page(
        "dashboard/settings.html",
        s=accounts.settings(request_db.connection()),
        email_from=platform.ses_from,
        sso_issuer=sso_set_up.issuer if (sso_set_up := sso.SsoSettings.from_env()) else None,
        event_days=f"{platform.event_retention_days:g}",
        pii_days=f"{platform.pii_retention_days:g}",
        can_change=may("manage_settings"),
        error=error,
        saved=saved,
    ), status


@bp.get("/settings")
@signed_in
def settings_page():
    return _settings_page(saved=request.args.get("saved") == "1")


@bp.post("/settings")
@signed_in
def save_settings():
    check_csrf()
    if not may("manage_settings"):
        abort(403, "your role may not change the account's settings")
    raw = request.form.get("audit_retention_days", "")
    try:
        days = int(raw)
        previous = accounts.set_audit_retention(request_db.connection(), days)
    except ValueError as exc:  # not a number, or accounts.InvalidSetting
        reason = str(exc) if isinstance(exc, accounts.InvalidSetting) else "must be a number"
        return _settings_page(error=f"Audit retention: {reason}", status=400)
    audit.record(
        request_db.connection(),
        actor(),
        "settings.changed",
        object_type="account",
        before={"audit_retention_days": previous},
        after={"audit_retention_days": days},
    )
    return redirect("/settings?saved=1")


@bp.post("/settings/sign-in")
@signed_in
def save_sign_in_method():
    """Requiring single sign-on is refused unless the stage has it and the member changing it
    signed in through it: the change must not lock its own author out."""
    check_csrf()
    if not may("manage_settings"):
        abort(403, "your role may not change the account's settings")
    method = request.form.get("sign_in_method", "")
    if method == "sso" and sso.SsoSettings.from_env() is None:
        return _settings_page(
            error="Sign-in method: single sign-on is not set up on this platform", status=400
        )
    if method == "sso" and not g.dash.get("via_sso"):
        return _settings_page(
            error="Sign-in method: sign in through single sign-on first, so that requiring it "
            "cannot lock you out",
            status=400,
        )
    try:
        previous = accounts.set_sign_in_method(request_db.connection(), method)
    except accounts.InvalidSetting as exc:
        return _settings_page(error=f"Sign-in method: {exc.reason}", status=400)
    audit.record(
        request_db.connection(),
        actor(),
        "settings.changed",
        object_type="account",
        before={"sign_in_method": previous},
        after={"sign_in_method": method},
    )
    return redirect("/settings?saved=1")
