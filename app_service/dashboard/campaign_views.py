"""The console's campaign builder: create a campaign, edit it while draft, preview each step
(SMS segments, and the characters that force UCS-2), and move it through its lifecycle. The
rules are the core's (app_service/campaigns.py through app_service/people/campaign_changes.py);
this module turns forms into specs and results into pages."""

from __future__ import annotations

from datetime import time, timedelta

from flask import Blueprint, abort, g, request

from app_service import campaigns, templates
from app_service.dashboard.views import _check_csrf as check_csrf
from app_service.dashboard.views import _go, actor, may, page, signed_in
from app_service.models import CampaignSpec, Step
from app_service.people import campaign_changes, permissions
from app_service.sms_segments import ucs2_characters
from app_service.web import request_db

bp = Blueprint("campaign_builder", __name__)
STEP_ROWS = 4
KINDS = ("reminder", "survey", "review_request")


class FormError(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def _time(value: str, field: str) -> time | None:
    value = value.strip()
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise FormError(field, "a time like 09:30") from None


def _steps(form) -> list[Step]:
    steps = []
    for i in range(1, STEP_ROWS + 1):
        template = form.get(f"step{i}_template", "").strip()
        if not template:
            continue
        try:
            hours = float(form.get(f"step{i}_offset", "").strip())
        except ValueError:
            raise FormError(
                f"steps[{len(steps) + 1}].offset", "hours from the appointment, e.g. -24"
            ) from None
        if not -24 * 400 <= hours <= 24 * 400:
            raise FormError(f"steps[{len(steps) + 1}].offset", "at most 400 days either way")
        steps.append(
            Step(
                name=form.get(f"step{i}_name", "").strip()[:100] or f"step {len(steps) + 1}",
                offset=timedelta(hours=hours),
                template=template,
                local_time=_time(
                    form.get(f"step{i}_time", ""), f"steps[{len(steps) + 1}].local_time"
                ),
                subject=form.get(f"step{i}_subject", "").strip() or None,
            )
        )
    return steps


def _spec(form) -> CampaignSpec:
    name = form.get("name", "").strip()
    if not 1 <= len(name) <= 200:
        raise FormError("name", "1 to 200 characters")
    if form.get("kind") not in KINDS:
        raise FormError("kind", "reminder, survey or review_request")
    if form.get("channel") not in ("sms", "email"):
        raise FormError("channel", "sms or email")
    return CampaignSpec(
        account_id=g.dash["account_id"],
        name=name,
        kind=form["kind"],
        channel=form["channel"],
        steps=_steps(form),
        send_window_start=_time(form.get("window_start", ""), "send_window_start") or time(9, 0),
        send_window_end=_time(form.get("window_end", ""), "send_window_end") or time(20, 0),
    )


def _previews(spec: CampaignSpec) -> dict[int, dict]:
    """Each step rendered with sample values, by step number."""
    out = {}
    for i, step in enumerate(spec.steps, start=1):
        try:
            shown = templates.preview(step.channel or spec.channel, step.template, step.subject, {})
        except (templates.TemplateInvalid, templates.TemplateUnrenderable) as exc:
            out[i] = {"error": str(exc)}
            continue
        forcing = ucs2_characters(shown["body"]) if "sms" in shown else []
        out[i] = {**shown, "ucs2": [(ch, f"U+{ord(ch):04X}") for ch in forcing]}
    return out


def _form_values(campaign: dict | None) -> dict:
    if campaign is None:
        return {
            "kind": "reminder",
            "channel": "sms",
            "window_start": "09:00",
            "window_end": "20:00",
        }
    values = {
        "name": campaign["name"],
        "kind": campaign["kind"],
        "channel": campaign["channel"],
        "window_start": campaign["send_window_start"].strftime("%H:%M"),
        "window_end": campaign["send_window_end"].strftime("%H:%M"),
    }
    for i, s in enumerate(campaign["steps"], start=1):
        values.update(
            {
                f"step{i}_name": s["name"],
                f"step{i}_offset": f"{s['send_offset'].total_seconds() / 3600:g}",
                f"step{i}_time": s["local_time"].strftime("%H:%M") if s["local_time"] else "",
                f"step{i}_template": s["template"],
                f"step{i}_subject": s["subject"] or "",
            }
        )
    return values


def _builder(values: dict, campaign_id: int | None = None, status: int = 200, **extra):
    return page(
        "dashboard/campaign_form.html",
        v=values,
        rows=range(1, STEP_ROWS + 1),
        campaign_id=campaign_id,
        kinds=KINDS,
        **extra,
    ), status


def _require_edit() -> None:
    if not may("edit_campaigns"):
        abort(403, "your role may not build campaigns")


@bp.get("/campaigns/new")
@signed_in
def new_campaign():
    _require_edit()
    return _builder(_form_values(None))


@bp.get("/campaigns/<id:campaign_id>/edit")
@signed_in
def edit_campaign(campaign_id: int):
    _require_edit()
    found = campaigns.get_campaign(request_db.connection(), campaign_id)
    if found is None:
        abort(404)
    if found["status"] != "draft":
        abort(409, "only a draft campaign can be edited; a running one keeps what it promised")
    return _builder(_form_values(found), campaign_id)


@bp.post("/campaigns/new")
@bp.post("/campaigns/<id:campaign_id>/edit")
@signed_in
def save_campaign(campaign_id: int | None = None):
    check_csrf()
    _require_edit()
    conn = request_db.connection()
    values = request.form.to_dict()
    try:
        spec = _spec(request.form)
        if request.form.get("action") == "preview":
            return _builder(values, campaign_id, previews=_previews(spec))
        if campaign_id is None:
            made = campaign_changes.create(conn, actor(), spec)
            return _go(f"/campaigns/{made}")
        current = campaigns.get_campaign(conn, campaign_id)
        if current is None:
            abort(404)
        added, removed = campaign_changes.merge_field_change(current["steps"], spec.steps)
        if (added or removed) and request.form.get("confirm_fields") != "yes":
            return _builder(values, campaign_id, 409, added=added, removed=removed)
        changes = {
            "name": spec.name,
            "send_window_start": spec.send_window_start,
            "send_window_end": spec.send_window_end,
        }
        campaign_changes.edit_draft(conn, actor(), campaign_id, changes, spec.steps)
    except (FormError, campaigns.InvalidCampaign) as exc:
        return _builder(values, campaign_id, 400, error=f"{exc.field}: {exc.reason}")
    except campaigns.CampaignNotDraft as exc:
        return _builder(values, campaign_id, 409, error=str(exc))
    return _go(f"/campaigns/{campaign_id}")


@bp.post("/campaigns/<id:campaign_id>/<any(activate, pause, resume, archive):verb>")
@signed_in
def campaign_lifecycle(campaign_id: int, verb: str):
    check_csrf()
    try:
        changed = campaign_changes.change_status(
            request_db.connection(), actor(), campaign_id, verb
        )
    except permissions.NotAllowed as exc:
        abort(403, str(exc))
    except campaigns.TransitionRefused as exc:
        abort(409, str(exc))
    if changed is None:
        abort(404)
    return _go(f"/campaigns/{campaign_id}")
