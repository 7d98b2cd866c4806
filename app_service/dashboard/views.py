"""The dashboard's pages and forms (see the package docstring for the security model)."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from zoneinfo import ZoneInfo

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
    accounts,
    api_keys,
    campaigns,
    console_sessions,
    customers,
    locations,
    packet_records,
    packets,
    reports,
    sending_control,
    webhooks,
)
from app_service.dashboard.svg import bars
from app_service.packet_source import csv_source
from app_service.people import audit, customer_care, permissions, sign_in
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
    from app_service.dashboard import campaign_views, error_pages, people_views

    for blueprint in (bp, people_views.bp, campaign_views.bp):
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
        from app_service.dashboard import people_views

        return people_views.password_sign_in()
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


@bp.get("/")
@signed_in
def campaigns_page():
    conn = request_db.connection()
    found = campaigns.list_campaigns(conn, g.dash["account_id"], after=0, limit=200, status=None)
    listed = [
        {**c, "funnel": reports.funnel(campaigns.campaign_counts(conn, c["id"]))} for c in found
    ]
    return page("dashboard/campaigns.html", campaigns=listed, can_edit=may("edit_campaigns"))


@bp.get("/campaigns/<id:campaign_id>")
@signed_in
def campaign_page(campaign_id: int):
    conn = request_db.connection()
    report = reports.campaign_report(conn, campaign_id)
    if report is None:
        abort(404)
    tz = ZoneInfo(accounts.get_account(conn, g.dash["account_id"])["timezone"])
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=13)
    found = reports.timeseries(conn, campaign_id, "day", since, today + timedelta(days=1))
    points = {p["bucket"].astimezone(tz).date(): p for p in found}
    days = [(since + timedelta(days=i)).date() for i in range(14)]
    series = {k: [points.get(d, {}).get(k, 0) for d in days] for k in reports.SERIES}
    chart = bars("Messages sent, delivered, responses and clicks per day, last 14 days",
                 [d.strftime("%b %d") for d in days], series)  # fmt: skip
    survey_chart = ""
    if "survey" in report:
        dist = report["survey"]["distribution"]
        survey_chart = bars(
            "Survey answers per score, 0 to 10", list(dist), {"responses": list(dist.values())}
        )
    packet_rows = packet_records.recent_packets(conn, campaign_id, limit=50)
    return page("dashboard/campaign.html", report=report, chart=chart, survey_chart=survey_chart, packets=packet_rows,
                can_write=g.dash["can_write"], can_edit=may("edit_campaigns"))  # fmt: skip


@bp.post("/campaigns/<id:campaign_id>/packets")
@signed_in
def upload(campaign_id: int):
    _check_csrf()
    if not may("upload"):
        abort(403, "this key can read but not change anything")
    if g.dash.get("location_id") is not None:
        abort(403, "uploads come from members who see every location (yours is scoped to one)")
    conn = request_db.connection()
    if campaigns.get_campaign(conn, campaign_id) is None:
        abort(404)
    file = request.files.get("packet")
    if file is None or not file.filename:
        abort(400, "choose a CSV file")
    data = file.stream.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        abort(413, "the file is larger than 16 MiB; use the API for larger packets")
    if request.form.get("action") != "check":
        result = packets.load_packet(conn, campaign_id, csv_source(io.BytesIO(data), file.filename))
        audit.record(
            conn,
            actor(),
            "packet.uploaded",
            object_type="packet",
            object_id=result.packet_id,
            after={"campaign_id": campaign_id},
        )
        return _go(f"/packets/{result.packet_id}")
    # check first: a dry run on screen, the file kept as a draft until the operator confirms
    checked = packets.load_packet(
        conn, campaign_id, csv_source(io.BytesIO(data), file.filename), dry_run=True
    )
    draft_id = packet_records.save_draft(conn, campaign_id, file.filename, data)
    return page("dashboard/check.html", campaign_id=campaign_id, filename=file.filename,
                draft_id=draft_id, result=checked, preview=checked.preview)  # fmt: skip


@bp.post("/campaigns/<id:campaign_id>/drafts/<id:draft_id>")
@signed_in
def commit_draft(campaign_id: int, draft_id: int):
    """Load a checked file for real (or drop it)."""
    _check_csrf()
    if not may("upload"):
        abort(403, "this key can read but not change anything")
    conn = request_db.connection()
    found = packet_records.take_draft(conn, draft_id, campaign_id)
    if found is None:
        abort(404)
    if request.form.get("action") == "discard":
        return _go(f"/campaigns/{campaign_id}")
    body = bytes(found["body"])
    result = packets.load_packet(conn, campaign_id, csv_source(io.BytesIO(body), found["filename"]))
    audit.record(
        conn,
        actor(),
        "packet.uploaded",
        object_type="packet",
        object_id=result.packet_id,
        after={"campaign_id": campaign_id, "checked": True},
    )
    return _go(f"/packets/{result.packet_id}")


@bp.get("/packets/<id:packet_id>")
@signed_in
def packet_page(packet_id: int):
    conn = request_db.connection()
    status = packets.packet_status(conn, packet_id)
    if status is None:
        abort(404)
    p = {**packet_records.get_packet(conn, packet_id)}
    errors = packets.row_errors(conn, packet_id, limit=500)
    return page("dashboard/packet.html", p=p, errors=errors)


@bp.get("/customers/<id:customer_id>")
@signed_in
def customer_page(customer_id: int, error: str | None = None, status: int = 200):
    conn = request_db.connection()
    c = customers.get_customer(conn, customer_id)
    if c is None:
        abort(404)
    audit.record(conn, actor(), "customer.viewed", object_type="customer", object_id=customer_id)
    timeline = [
        {"when": r["at"], "text": r["text"]}
        for r in customers.timeline(conn, customer_id)
    ]
    scores = customers.scores(conn, customer_id)
    return page(
        "dashboard/customer.html",
        c=c,
        timeline=timeline,
        scores=scores,
        ledger=customer_care.consent_ledger(conn, customer_id),
        error=error,
        may_consent=may("change_consent"),
        may_export=may("export_customers"),
        may_erase=may("erase_customers"),
    ), status


@bp.get("/locations")
@signed_in
def locations_page(error: str | None = None, status: int = 200):
    conn = request_db.connection()
    found = locations.list_locations(conn, g.dash["account_id"], limit=500)
    return page("dashboard/locations.html", locations=found, error=error), status


@bp.post("/locations")
@signed_in
def save_location():
    """Create a location or change its settings (the API's upsertLocation)."""
    _check_csrf()
    if not may("edit_locations"):
        abort(403, "this key can read but not change anything")
    form = request.form
    data: dict = {"external_id": form.get("external_id", "").strip()}
    for key in ("name", "timezone", "address", "review_url"):  # a blank field keeps its value
        if value := form.get(key, "").strip():
            data[key] = value
    start, end = form.get("window_start", "").strip(), form.get("window_end", "").strip()
    if start or end:
        data["send_window"] = {"start": start, "end": end}
    try:
        locations.upsert_location(request_db.connection(), g.dash["account_id"], data)
    except locations.InvalidLocation as exc:
        return locations_page(error=f"{exc.field}: {exc.reason}", status=400)
    audit.record(
        request_db.connection(),
        actor(),
        "location.saved",
        object_type="location",
        object_id=data["external_id"],
        after=data,
    )
    return redirect("/locations")


@bp.get("/health")
@signed_in
def health_page():
    conn = request_db.connection()
    h = sending_control.health(conn)
    pauses = sending_control.pause_list(conn)
    workers = h["workers_alive"]
    return page("dashboard/health.html", h=h, pauses=pauses, workers=workers)


@bp.get("/webhooks")
@signed_in
def webhooks_page():
    """The account's endpoints with their state and last attempt (row-level security: only the
    signed-in account's)."""
    found = webhooks.endpoints_overview(request_db.connection(), g.dash["account_id"])
    return page("dashboard/webhooks.html", endpoints=found)


@bp.get("/webhooks/<id:endpoint_id>")
@signed_in
def webhook_page(endpoint_id: int):
    """One endpoint's recent attempts: status, latency, the start of the answer or the error."""
    conn = request_db.connection()
    endpoint = webhooks.get(conn, endpoint_id)
    if endpoint is None:
        abort(404)
    attempts = webhooks.attempts(conn, endpoint_id, 0, 100)
    pending = webhooks.pending_deliveries(conn, endpoint_id)
    return page("dashboard/webhook.html", e=endpoint, attempts=attempts, pending=pending)
