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

from app_service import api_keys, campaigns, customers, locations, packets, reports, webhooks
from app_service.api import tenancy
from app_service.api.hooks import RateState, sign_in_failed
from app_service.dashboard.svg import bars
from app_service.db import rows
from app_service.ops import queue
from app_service.packet_source import csv_source
from app_service.queries import Q

bp = Blueprint("dashboard", __name__, template_folder=str(Path(__file__).parent / "templates"))
MAX_UPLOAD = 16 << 20


def configure(app: Flask, link_secret: str) -> None:
    # the session cookie is signed with a key derived from the deployment's link secret
    app.secret_key = hmac.new(
        link_secret.encode(), b"reminderly-dashboard-session", hashlib.sha256
    ).hexdigest()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Strict",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=8))  # fmt: skip
    ids = app.extensions["reminderly.ids"]
    app.jinja_env.filters["pid"] = lambda value: ids.encode(int(value))  # a row id, shown
    app.register_blueprint(bp)


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


def signed_in(view):
    """The session's key must still exist and be unrevoked; the connection becomes its tenant."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        session_id = session.get("sid")
        conn = tenancy.connection()
        found = rows(conn, Q.dashboard_key, {"session_id": session_id}) if session_id else []
        if not found:  # ended, expired, idle, or its key revoked
            session.pop("sid", None)
            return redirect("/login")
        key = found[0]
        g.rate = RateState(key["rate_limit"], key["window_count"], key["retry_after"])
        if key["window_count"] > key["rate_limit"]:  # the key's per-minute limit holds here too
            response = make_response(
                render_template("dashboard/error.html", title="Too many requests",
                                detail="This key made too many requests this minute; try again shortly."),
                429,
            )  # fmt: skip
            response.headers["Retry-After"] = str(key["retry_after"])
            return response
        scopes = api_keys.effective_scopes(key["scopes"])
        g.dash = {"account_id": key["account_id"], "account_name": key["account_name"],
                  "scope": "write" if "write" in scopes else "read", "can_write": "write" in scopes}  # fmt: skip
        tenancy.enter_tenant(conn, key["account_id"])
        return view(*args, **kwargs)

    return wrapper


@bp.get("/login")
def login_form():
    return page("dashboard/login.html")


@bp.post("/login")
def login():
    _check_csrf()
    result = api_keys.authenticate(tenancy.connection(), request.form.get("api_key", "").strip())
    # an operator-only key has no scope in its account: it does not open the dashboard
    if result.caller is None or result.rate_limited or "read" not in result.caller.scopes:
        sign_in_failed(current_app)
        return page("dashboard/login.html", error="That API key is not valid."), 401
    session.clear()
    session.permanent = True
    session_id = secrets.token_urlsafe(32)  # a new server-side session on every sign-in
    tenancy.connection().execute(
        Q.start_dashboard_session, {"session_id": session_id, "key_id": result.caller.key_id}
    )
    session["sid"] = session_id
    session["csrf"] = secrets.token_urlsafe(32)  # a new token for the new session
    return redirect("/")


@bp.post("/logout")
def logout():
    """Ends the session on the server: the cookie, replayed, opens nothing."""
    _check_csrf()
    if session.get("sid"):
        tenancy.connection().execute(Q.end_dashboard_session, {"session_id": session["sid"]})
    session.clear()
    return redirect("/login")


@bp.get("/")
@signed_in
def campaigns_page():
    conn = tenancy.connection()
    found = campaigns.list_campaigns(conn, g.dash["account_id"], after=0, limit=200, status=None)
    listed = [
        {**c, "funnel": reports.funnel(campaigns.campaign_counts(conn, c["id"]))} for c in found
    ]
    return page("dashboard/campaigns.html", campaigns=listed)


@bp.get("/campaigns/<id:campaign_id>")
@signed_in
def campaign_page(campaign_id: int):
    conn = tenancy.connection()
    report = reports.campaign_report(conn, campaign_id)
    if report is None:
        abort(404)
    tz = ZoneInfo(rows(conn, Q.get_account, {"id": g.dash["account_id"]})[0]["timezone"])
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
    packet_rows = rows(conn, Q.recent_packets, {"campaign_id": campaign_id, "limit": 50})
    return page("dashboard/campaign.html", report=report, chart=chart, survey_chart=survey_chart, packets=packet_rows,
                can_write=g.dash["can_write"])  # fmt: skip


@bp.post("/campaigns/<id:campaign_id>/packets")
@signed_in
def upload(campaign_id: int):
    _check_csrf()
    if not g.dash["can_write"]:
        abort(403, "this key can read but not change anything")
    conn = tenancy.connection()
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
        return _go(f"/packets/{result.packet_id}")
    # check first: a dry run on screen, the file kept as a draft until the operator confirms
    checked = packets.load_packet(
        conn, campaign_id, csv_source(io.BytesIO(data), file.filename), dry_run=True
    )
    draft_id = rows(conn, Q.create_packet_draft, {"campaign_id": campaign_id,
                    "filename": file.filename, "body": data})[0]["id"]  # fmt: skip
    return page("dashboard/check.html", campaign_id=campaign_id, filename=file.filename,
                draft_id=draft_id, result=checked, preview=checked.preview)  # fmt: skip


@bp.post("/campaigns/<id:campaign_id>/drafts/<id:draft_id>")
@signed_in
def commit_draft(campaign_id: int, draft_id: int):
    """Load a checked file for real (or drop it)."""
    _check_csrf()
    if not g.dash["can_write"]:
        abort(403, "this key can read but not change anything")
    conn = tenancy.connection()
    found = rows(conn, Q.take_packet_draft, {"id": draft_id, "campaign_id": campaign_id})
    if not found:
        abort(404)
    if request.form.get("action") == "discard":
        return _go(f"/campaigns/{campaign_id}")
    body = bytes(found[0]["body"])
    result = packets.load_packet(
        conn, campaign_id, csv_source(io.BytesIO(body), found[0]["filename"])
    )
    return _go(f"/packets/{result.packet_id}")


@bp.get("/packets/<id:packet_id>")
@signed_in
def packet_page(packet_id: int):
    conn = tenancy.connection()
    status = packets.packet_status(conn, packet_id)
    if status is None:
        abort(404)
    p = {**rows(conn, Q.get_packet, {"packet_id": packet_id})[0]}
    errors = packets.row_errors(conn, packet_id, limit=500)
    return page("dashboard/packet.html", p=p, errors=errors)


@bp.get("/customers/<id:customer_id>")
@signed_in
def customer_page(customer_id: int):
    conn = tenancy.connection()
    c = customers.get_customer(conn, customer_id)
    if c is None:
        abort(404)
    timeline = [
        {"when": r["at"], "text": r["text"]}
        for r in rows(conn, Q.customer_timeline, {"customer_id": customer_id})
    ]
    scores = rows(conn, Q.customer_scores_of, {"customer_id": customer_id})
    return page("dashboard/customer.html", c=c, timeline=timeline, scores=scores)


@bp.get("/locations")
@signed_in
def locations_page(error: str | None = None, status: int = 200):
    conn = tenancy.connection()
    found = locations.list_locations(conn, g.dash["account_id"], limit=500)
    return page("dashboard/locations.html", locations=found, error=error), status


@bp.post("/locations")
@signed_in
def save_location():
    """Create a location or change its settings (the API's upsertLocation)."""
    _check_csrf()
    if not g.dash["can_write"]:
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
        locations.upsert_location(tenancy.connection(), g.dash["account_id"], data)
    except locations.InvalidLocation as exc:
        return locations_page(error=f"{exc.field}: {exc.reason}", status=400)
    return redirect("/locations")


@bp.get("/health")
@signed_in
def health_page():
    conn = tenancy.connection()
    h = queue.health(conn)
    pauses = rows(conn, Q.sending_pause_list)
    workers = h["workers_alive"]
    return page("dashboard/health.html", h=h, pauses=pauses, workers=workers)


@bp.get("/webhooks")
@signed_in
def webhooks_page():
    """The account's endpoints with their state and last attempt (row-level security: only the
    signed-in account's)."""
    found = rows(
        tenancy.connection(), Q.dashboard_webhook_endpoints, {"account_id": g.dash["account_id"]}
    )
    return page("dashboard/webhooks.html", endpoints=found)


@bp.get("/webhooks/<int:endpoint_id>")
@signed_in
def webhook_page(endpoint_id: int):
    """One endpoint's recent attempts: status, latency, the start of the answer or the error."""
    conn = tenancy.connection()
    endpoint = webhooks.get(conn, endpoint_id)
    if endpoint is None:
        abort(404)
    attempts = webhooks.attempts(conn, endpoint_id, 0, 100)
    (pending,) = rows(conn, Q.dashboard_webhook_pending, {"endpoint_id": endpoint_id})[0].values()
    return page("dashboard/webhook.html", e=endpoint, attempts=attempts, pending=pending)
