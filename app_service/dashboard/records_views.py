"""The console's pages over the account's records: campaigns and their reports, uploads
(checked, then loaded), packets, a customer's history, locations, sending health, webhooks.
Routes of the `dashboard` blueprint (views.py), so their endpoints keep its name."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    abort,
    g,
    redirect,
    request,
)

from app_service import (
    accounts,
    campaigns,
    customers,
    locations,
    packet_records,
    packet_state,
    packets,
    report_exports,
    reports,
    sending_control,
    webhooks,
)
from app_service.dashboard.report_views import report_location
from app_service.dashboard.svg import bars
from app_service.dashboard.views import (
    MAX_UPLOAD,
    _check_csrf,
    _go,
    actor,
    bp,
    may,
    page,
    signed_in,
)
from app_service.packet_source import csv_source
from app_service.people import audit, customer_care
from app_service.web import request_db


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
    """The campaign's report, limited to one location when asked (`?location=`) or when the
    member is scoped to one (report_views.report_location: the URL cannot widen it)."""
    location, choices = report_location()
    conn = request_db.connection()
    report = reports.campaign_report(conn, campaign_id, location)
    if report is None:
        abort(404)
    tz = ZoneInfo(accounts.get_account(conn, g.dash["account_id"])["timezone"])
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=13)
    found = reports.timeseries(
        conn, campaign_id, "day", since, today + timedelta(days=1), location_id=location
    )
    points = {p["bucket"].astimezone(tz).date(): p for p in found}
    days = [(since + timedelta(days=i)).date() for i in range(14)]
    series = {k: [points.get(d, {}).get(k, 0) for d in days] for k in reports.SERIES}
    chart = bars(
        "Messages sent, delivered, responses and clicks per day, last 14 days",
        [d.strftime("%b %d") for d in days],
        series,
    )
    survey_chart = ""
    if "survey" in report:
        dist = report["survey"]["distribution"]
        survey_chart = bars(
            "Survey answers per score, 0 to 10", list(dist), {"responses": list(dist.values())}
        )
    packet_rows = packet_records.recent_packets(conn, campaign_id, limit=50)
    return page(
        "dashboard/campaign.html",
        report=report,
        location=location,
        choices=choices,
        month_ago=(today - timedelta(days=30)).date(),
        month_ahead=(today + timedelta(days=30)).date(),
        stream_rows=report_exports.STREAM_ROWS,
        chart=chart,
        survey_chart=survey_chart,
        packets=packet_rows,
        can_write=g.dash["can_write"],
        can_edit=may("edit_campaigns"),
    )


CHECK_ROWS = 50
"""Rows the check page shows one by one (what each would send, or skip and why)."""

SKIP_REASONS = {
    "opted_out": "the customer opted out of this channel",
    "no_address": "the row has no phone or email for this channel",
    "too_late": "its time has passed (the appointment is too soon)",
    "appointment_cancelled": "the appointment is cancelled",
    "absent_from_snapshot": "the appointment is not in this full list any more",
}
"""Why the planner skips a message, in the front desk's words (the rest show as stored)."""


@bp.post("/campaigns/<id:campaign_id>/packets")
@signed_in
def upload(campaign_id: int):
    _check_csrf()
    if not may("upload"):
        abort(403, "this key can read but not change anything")
    # a member scoped to one location uploads for it: validate_packet refuses each row for
    # another location (or a customer or appointment kept by one) with its reason
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
        conn,
        campaign_id,
        csv_source(io.BytesIO(data), file.filename),
        dry_run=True,
        plan_rows=CHECK_ROWS,
    )
    draft_id = packet_records.save_draft(conn, campaign_id, file.filename, data)
    effects = (checked.preview or {}).get("effects") or []
    names = {
        e["campaign_id"]: (campaigns.get_campaign(conn, e["campaign_id"]) or {}).get("name")
        for e in effects
    }
    return page(
        "dashboard/check.html",
        campaign_id=campaign_id,
        filename=file.filename,
        draft_id=draft_id,
        result=checked,
        preview=checked.preview,
        row_plans=checked.row_plans or [],
        sample=checked.sample,
        check_rows=CHECK_ROWS,
        skip_reasons=SKIP_REASONS,
        campaign_names=names,
    )


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
    status = packet_state.packet_status(conn, packet_id)
    if status is None:
        abort(404)
    p = {**packet_records.get_packet(conn, packet_id)}
    errors = packet_state.row_errors(conn, packet_id, limit=500)
    return page("dashboard/packet.html", p=p, errors=errors)


@bp.get("/customers/<id:customer_id>")
@signed_in
def customer_page(customer_id: int, error: str | None = None, status: int = 200):
    conn = request_db.connection()
    c = customers.get_customer(conn, customer_id)
    if c is None:
        abort(404)
    audit.record(conn, actor(), "customer.viewed", object_type="customer", object_id=customer_id)
    timeline = [{"when": r["at"], "text": r["text"]} for r in customers.timeline(conn, customer_id)]
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
