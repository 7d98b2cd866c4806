"""Campaigns: create, read, list, change while draft, status transitions, the funnel."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Response, jsonify, request

from app_service import campaigns, locations, reports, templates
from app_service.api import idempotency, shapes
from app_service.api.paging import page
from app_service.api.problems import (
    ApiError,
    bad_field,
    conflict,
    not_found,
    unprocessable_template,
)
from app_service.api.routes import account_id, body, conn, created, ids
from app_service.api.routing import operation
from app_service.models import CampaignSpec, Step

# API field -> (CampaignSpec field, conversion)
_SETTINGS = {
    "name": ("name", str),
    "send_window_start": ("send_window_start", time.fromisoformat),
    "send_window_end": ("send_window_end", time.fromisoformat),
    "window_policy": ("window_policy", str),
    "max_attempts": ("max_attempts", int),
    "retry_base_seconds": ("retry_base", lambda s: timedelta(seconds=s)),
    "retry_max_seconds": ("retry_max", lambda s: timedelta(seconds=s)),
    "frequency_cap_seconds": (
        "frequency_cap",
        lambda s: None if s is None else timedelta(seconds=s),
    ),
    "max_sms_segments": ("max_sms_segments", int),
    "audience_top_n": ("audience_top_n", lambda n: n),
    "audience_by": ("audience_by", lambda v: v),
}


def _when(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    value = datetime.fromisoformat(raw.replace("Z", "+00:00"))  # the contract checked the format
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def campaign_or_404(campaign_id: int) -> dict:
    found = campaigns.get_campaign(conn(), campaign_id)
    if found is None:
        raise not_found("campaign", campaign_id)
    return found


def _steps(items: list[dict]) -> list[Step]:
    steps = []
    for i, item in enumerate(items):
        text, subject = item.get("template"), item.get("subject")
        if (text is None) == (item.get("template_id") is None):
            raise bad_field(f"/steps/{i}", "give exactly one of template and template_id")
        if text is None:
            found = templates.get_template(conn(), item["template_id"])
            if found is None:
                raise not_found("template", item["template_id"])  # as for a path's id
            text, subject = found["body"], subject or found["subject"]
        local = item.get("local_time")
        steps.append(
            Step(
                name=item["name"],
                offset=timedelta(minutes=item["offset_minutes"]),
                template=text,
                channel=item.get("channel"),
                local_time=time.fromisoformat(local) if local else None,
                subject=subject,
            )
        )
    return steps


def _invalid(exc: campaigns.InvalidCampaign) -> ApiError:
    """The library names a step as steps[2].template (1-based); the API points into the body."""
    field = exc.field
    if field.startswith("steps["):
        number, _, rest = field[len("steps[") :].partition("]")
        field = f"steps/{int(number) - 1}{rest.replace('.', '/')}"
    field = {"retry_max": "retry_max_seconds"}.get(field, field)
    if isinstance(exc, campaigns.UnrenderableTemplate):
        return unprocessable_template(exc.reason, f"/{field}")
    return bad_field(f"/{field}", exc.reason)


def _settings(data: dict) -> dict:
    return {_SETTINGS[k][0]: _SETTINGS[k][1](v) for k, v in data.items() if k in _SETTINGS}


def _shaped(campaign_id: int):
    return jsonify(shapes.campaign(campaign_or_404(campaign_id)))


@operation("listCampaigns")
def list_campaigns():
    status = request.args.get("status")
    return page(
        lambda after, limit: [
            {**r, "steps": campaigns.campaign_steps(conn(), r["id"])}
            for r in campaigns.list_campaigns(
                conn(), account_id(), after=after, limit=limit, status=status
            )
        ],
        shapes.campaign,
    )


@operation("createCampaign")
def create_campaign():
    data = body()

    def create():
        spec = CampaignSpec(
            account_id=account_id(),
            kind=data["kind"],
            channel=data["channel"],
            steps=_steps(data["steps"]),
            **_settings(data),
        )
        try:
            new_id = campaigns.create_campaign(conn(), spec)
        except campaigns.InvalidCampaign as exc:
            raise _invalid(exc) from None
        return created(shapes.campaign(campaign_or_404(new_id)), f"/v1/campaigns/{new_id}")

    return idempotency.run(create)


@operation("getCampaign")
def get_campaign(campaign_id: int):
    return _shaped(campaign_id)


@operation("updateCampaign")
def update_campaign(campaign_id: int):
    data = body()
    steps = _steps(data["steps"]) if "steps" in data else None
    try:
        found = campaigns.update_draft(conn(), campaign_id, _settings(data), steps)
    except campaigns.CampaignNotDraft as exc:
        raise conflict(str(exc)) from None
    except campaigns.InvalidCampaign as exc:
        raise _invalid(exc) from None
    if not found:
        raise not_found("campaign", campaign_id)
    return _shaped(campaign_id)


def transition(verb: str):
    def view(campaign_id: int):
        try:
            changed = campaigns.change(conn(), campaign_id, verb)
        except campaigns.TransitionRefused as exc:
            raise conflict(str(exc)) from None
        if changed is None:
            raise not_found("campaign", campaign_id)
        return _shaped(campaign_id)

    view.__name__ = f"{verb}_campaign"
    return view


def _location_filter():
    """`location_id` (a public id) as the location's row id; None when absent; a location the
    account does not have is a 404."""
    raw = request.args.get("location_id")
    if not raw:
        return None
    ref = ids().ref(int(raw))
    found = locations.get_location(conn(), ref) if ref else None
    if found is None:
        raise not_found("location", ref)
    return ref, found["external_id"]


@operation("getCampaignReport")
def report(campaign_id: int):
    location = _location_filter()
    found = reports.campaign_report(conn(), campaign_id, int(location[0]) if location else None)
    if found is None:
        raise not_found("campaign", campaign_id)
    if request.args.get("format") == "csv":  # a CSV is not JSON: its id is made public here
        public = campaign_id.public
        if location:
            found["location"] = location[1]
        csv = reports.report_csv({**found, "campaign_id": public})
        return Response(
            csv,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="campaign-{public}-report.csv"'},
        )
    return jsonify(found)


@operation("getCampaignTimeseries")
def timeseries(campaign_id: int):
    campaign_or_404(campaign_id)
    location = _location_filter()
    until = _when(request.args.get("until")) or datetime.now(UTC)
    since = _when(request.args.get("since")) or until - timedelta(days=7)
    # every schema-valid pair is answered (the definition cannot relate two parameters):
    # a range over 92 days keeps its last 92; one that ends before it starts is empty
    since = max(since, until - timedelta(days=92))
    until = max(until, since)
    bucket = request.args.get("bucket", "day")
    points = reports.timeseries(
        conn(), campaign_id, bucket, since, until, int(location[0]) if location else None
    )
    return jsonify(
        campaign_id=campaign_id,
        bucket=bucket,
        since=shapes.ts(since),
        until=shapes.ts(until),
        points=[{**p, "bucket": shapes.ts(p["bucket"])} for p in points],
    )


for _verb in campaigns.VERBS:  # one view per lifecycle verb: activateCampaign, pauseCampaign, ...
    operation(f"{_verb}Campaign")(transition(_verb))
