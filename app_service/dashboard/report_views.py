"""The console's report filters and exports: a report limited to one location, its figures as
CSV, and CSV exports of a campaign's messages over a date range (answered at once when small,
built in the background when large, with a page that shows its progress). The rules are in
app_service/reports.py and app_service/report_exports.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, g, request

from app_service import accounts, campaigns, locations, report_exports, reports
from app_service.dashboard.views import _check_csrf, _go, actor, page, signed_in
from app_service.people import audit, sign_in
from app_service.web import request_db

bp = Blueprint("reports", __name__)


def report_location() -> tuple[int | None, list[dict]]:
    """The location the request's report is limited to (`?location=` a public id, as every id
    the console shows), held to the member's scope, and the locations they may choose from.
    A scoped member gets theirs whatever the URL says, and a request for another is a 403."""
    conn = request_db.connection()
    found = locations.list_locations(conn, g.dash["account_id"], limit=500)
    raw = (request.values.get("location") or "").strip()
    requested = None
    if raw:
        if not raw.isdigit() or len(raw) > 19:
            abort(404)
        requested = current_app.extensions["reminderly.ids"].decode(int(raw))
        if requested is None or requested not in {loc["id"] for loc in found}:
            abort(404)
    scope = g.dash.get("location_id")
    try:
        chosen = reports.scoped_location(scope, requested)
    except reports.OutsideScope:
        abort(403, "you see one location only; its figures are shown without a location in the URL")
    choices = found if scope is None else [loc for loc in found if loc["id"] == scope]
    return chosen, choices


def _day(field: str, tz: ZoneInfo, *, end: bool = False) -> datetime | None:
    """A form's date (YYYY-MM-DD) as the start of that day in the account's timezone (an end
    date is inclusive: the start of the next day)."""
    raw = (request.form.get(field) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        abort(400, f"{field}: must be a date (YYYY-MM-DD)")
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=tz)


def _csv(body, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/campaigns/<id:campaign_id>/report.csv")
@signed_in
def report_csv(campaign_id: int):
    """The report's figures as CSV (read from the rollups: always answered at once)."""
    location, choices = report_location()
    conn = request_db.connection()
    found = reports.campaign_report(conn, campaign_id, location)
    if found is None:
        abort(404)
    ids = current_app.extensions["reminderly.ids"]
    public = ids.encode(campaign_id)
    if location is not None:
        found["location"] = next(loc["external_id"] for loc in choices if loc["id"] == location)
    audit.record(
        conn,
        actor(),
        "report.exported",
        object_type="campaign",
        object_id=campaign_id,
        after={"location_id": location, "what": "report"},
    )
    return _csv(
        reports.report_csv({**found, "campaign_id": public}), f"campaign-{public}-report.csv"
    )


@bp.post("/campaigns/<id:campaign_id>/exports")
@signed_in
def export(campaign_id: int):
    """Export the campaign's messages in a date range: at once when small, else queued."""
    _check_csrf()
    location, _ = report_location()
    conn = request_db.connection()
    if campaigns.get_campaign(conn, campaign_id) is None:
        abort(404)
    tz = ZoneInfo(accounts.get_account(conn, g.dash["account_id"])["timezone"])
    since, until = _day("since", tz), _day("until", tz, end=True)
    try:
        report_exports.check_range(since, until)
    except report_exports.InvalidExport as exc:
        abort(400, str(exc))
    assert since is not None and until is not None
    bound = report_exports.rows_bound(conn, campaign_id, location)
    ids = current_app.extensions["reminderly.ids"]
    scope = {"location_id": location, "since": since, "until": until}
    if bound <= report_exports.STREAM_ROWS:
        body = report_exports.export_now(
            conn, g.dash["account_id"], campaign_id, location, since, until, ids.encode
        )
        audit.record(
            conn,
            actor(),
            "report.exported",
            object_type="campaign",
            object_id=campaign_id,
            after={**scope, "what": "messages"},
        )
        return _csv(body, f"campaign-{ids.encode(campaign_id)}-messages.csv")
    try:
        export_id = report_exports.request(
            conn,
            campaign_id,
            location,
            since,
            until,
            user_id=g.dash.get("user_id"),
            key_id=g.dash.get("key_id"),
            expected=bound,
        )
    except reports.OutsideScope:
        abort(403, "you see one location only")
    except report_exports.InvalidExport:
        abort(404)
    audit.record(
        conn,
        actor(),
        "report_export.requested",
        object_type="report_export",
        object_id=export_id,
        after={**scope, "campaign_id": campaign_id},
    )
    return _go(f"/exports/{export_id}")


@bp.get("/exports")
@signed_in
def exports_page():
    """The exports this member may see (row-level security: the account, their location)."""
    found = report_exports.recent(request_db.connection(), limit=100)
    return page("dashboard/exports.html", exports=found, keep=report_exports.KEEP)


@bp.get("/exports/<id:export_id>")
@signed_in
def export_page(export_id: int):
    found = report_exports.get(request_db.connection(), export_id)
    if found is None:
        abort(404)
    return page("dashboard/export.html", e=found, keep=report_exports.KEEP)


@bp.get("/exports/<id:export_id>/download")
@signed_in
def download(export_id: int):
    """The built file, streamed chunk by chunk; each download is audited."""
    conn = request_db.connection()
    found = report_exports.get(conn, export_id)
    if found is None:
        abort(404)
    if found["state"] in ("expired", "failed") or (
        found["state"] == "done" and not found["downloadable"]
    ):
        abort(410, "this export has expired or failed; make it again from the campaign's page")
    if found["state"] != "done":
        abort(409, "this export is not built yet; its page shows its progress")
    audit.record(
        conn,
        actor(),
        "report_export.downloaded",
        object_type="report_export",
        object_id=export_id,
        after={"campaign_id": found["campaign_id"], "location_id": found["location_id"]},
    )
    public = current_app.extensions["reminderly.ids"].encode(export_id)
    pool, member = request_db.pool(), dict(g.dash)

    def body():
        # its own connection, as this member: the request's goes back to the pool when the
        # view returns, before a large file has been sent
        with pool.connection() as own:
            if member.get("user_id") is not None:
                sign_in.enter_as_member(own, member)
            else:
                request_db.enter_tenant(own, member["account_id"])
            yield from report_exports.chunks(own, export_id)

    return _csv(body(), f"export-{public}.csv")
