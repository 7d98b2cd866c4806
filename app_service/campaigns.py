"""Accounts and campaigns: create, read, change status; campaign counts from the rollups."""

from __future__ import annotations

from dataclasses import dataclass, replace

import psycopg

from app_service.db import one, rows
from app_service.models import CampaignSpec, Step
from app_service.packet_state import state_counts
from app_service.queries import Q
from app_service.sms_segments import sms_segments

STATUSES = ("draft", "active", "paused", "archived")


class InvalidCampaign(ValueError):
    """A campaign definition that cannot run, with the field at fault."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field} {reason}")
        self.field = field
        self.reason = reason


class UnrenderableTemplate(InvalidCampaign):
    """A step's template parses but cannot be rendered with sample values (its own error, a
    limit of the sandbox, the render timeout)."""


def create_account(
    conn: psycopg.Connection, name: str, *, default_country: str = "US", timezone: str = "UTC"
) -> int:
    """Create a tenant; its country reads national phone numbers, its zone is the default."""
    if not one(conn, Q.timezone_exists, {"name": timezone})[0]:
        raise InvalidCampaign("timezone", f"{timezone!r} is not an IANA timezone name")
    row = one(
        conn,
        Q.create_account,
        {"name": name, "default_country": default_country.upper(), "timezone": timezone},
    )
    return int(row[0])


def _check(spec: CampaignSpec) -> None:
    if not spec.steps:
        raise InvalidCampaign("steps", "must name at least one step")
    if len(spec.steps) > 20:
        raise InvalidCampaign("steps", "may have at most 20 steps")
    if spec.kind == "review_request" and spec.audience_by == "positive":
        raise InvalidCampaign(
            "audience_by",
            "cannot be positive for a review request: asking only the customers predicted to be "
            "happy is review gating, which review sites forbid",
        )
    if spec.audience_by is not None and spec.audience_top_n is None:
        raise InvalidCampaign("audience_top_n", "is required with audience_by")
    if spec.retry_max < spec.retry_base:
        raise InvalidCampaign("retry_max", "must not be shorter than retry_base")
    if spec.send_window_start >= spec.send_window_end:
        raise InvalidCampaign("send_window_end", "must be later than send_window_start")
    if spec.kind == "reminder":
        for i, step in enumerate(spec.steps, start=1):
            if step.offset.total_seconds() >= 0 and step.local_time is None:
                raise InvalidCampaign(
                    f"steps[{i}].offset", "must be before the appointment for a reminder"
                )
    for i, step in enumerate(spec.steps, start=1):
        if not step.template.strip():
            raise InvalidCampaign(f"steps[{i}].template", "must not be empty")
        sample = _sample_render(step.template, f"steps[{i}].template")
        if step.subject:
            _sample_render(step.subject, f"steps[{i}].subject")
        if (step.channel or spec.channel) == "sms":
            segments = sms_segments(sample)
            if segments.count > spec.max_sms_segments:
                raise InvalidCampaign(
                    f"steps[{i}].template",
                    f"is {segments.count} SMS segments ({segments.encoding}, merge fields filled with "
                    f"{len(SAMPLE_VALUE)}-character samples); the limit is {spec.max_sms_segments}",
                )
        if (step.channel or spec.channel) == "email" and not step.subject:
            raise InvalidCampaign(f"steps[{i}].subject", "is required for an email step")


def _settings(spec: CampaignSpec) -> dict:
    """The settings columns of a campaign, as create_campaign and update_campaign take them."""
    return {
        "name": spec.name,
        "send_window_start": spec.send_window_start,
        "send_window_end": spec.send_window_end,
        "window_policy": spec.window_policy,
        "max_attempts": spec.max_attempts,
        "retry_base": spec.retry_base,
        "retry_max": spec.retry_max,
        "frequency_cap": spec.frequency_cap,
        "audience_top_n": spec.audience_top_n,
        "audience_by": _audience_by(spec),
    }


def _audience_by(spec: CampaignSpec) -> str | None:
    """With an audience, ranked by the likelihood to respond unless said otherwise."""
    return (spec.audience_by or "respond") if spec.audience_top_n is not None else None


SAMPLE_VALUE = "Xxxxxxxxxx"


def _sample_render(template: str, field: str) -> str:
    """The template with every merge field filled by a 10-character sample value, rendered in
    the worker's bounded sandbox (a hostile template fails here, within the render timeout)."""
    from app_service.template_sandbox import RenderError, render
    from app_service.templates import TemplateInvalid, merge_fields

    try:
        names = merge_fields(template)
        return render(template, dict.fromkeys(names, SAMPLE_VALUE))
    except TemplateInvalid as exc:
        raise InvalidCampaign(field, str(exc)) from None
    except RenderError as exc:
        if exc.kind == "syntax":
            raise InvalidCampaign(field, f"cannot be parsed: {exc.detail}") from None
        raise UnrenderableTemplate(field, f"cannot be rendered: {exc.detail}") from None


def create_campaign(conn: psycopg.Connection, spec: CampaignSpec) -> int:
    """Create a campaign (status draft) with its steps, atomically."""
    _check(spec)
    with conn.transaction():
        (campaign_id,) = one(
            conn,
            Q.create_campaign,
            {
                "account_id": spec.account_id,
                "kind": spec.kind,
                "channel": spec.channel,
                **_settings(spec),
            },
        )
        _insert_steps(conn, campaign_id, spec)
    return int(campaign_id)


class CampaignNotDraft(Exception):
    """Only a draft campaign's definition can change; a running one keeps what it promised."""


def _insert_steps(conn: psycopg.Connection, campaign_id: int, spec: CampaignSpec) -> None:
    for number, step in enumerate(spec.steps, start=1):
        conn.execute(
            Q.create_campaign_step,
            {
                "campaign_id": campaign_id,
                "step": number,
                "name": step.name,
                "send_offset": step.offset,
                "local_time": step.local_time,
                "channel": step.channel or spec.channel,
                "template": step.template,
                "subject": step.subject,
            },
        )


def update_draft(
    conn: psycopg.Connection, campaign_id: int, changes: dict, steps: list[Step] | None = None
) -> bool:
    """Change a draft campaign's settings (and replace its steps), checked like a new one.
    False when the campaign does not exist; CampaignNotDraft once it has been activated."""
    with conn.transaction():
        locked = one(conn, Q.lock_campaign, {"id": campaign_id})
        if locked is None:
            return False
        if locked[0] != "draft":
            raise CampaignNotDraft(f"campaign {campaign_id} is {locked[0]}, not draft")
        current = get_campaign(conn, campaign_id)
        spec = CampaignSpec(
            account_id=current["account_id"],
            name=current["name"],
            kind=current["kind"],
            channel=current["channel"],
            steps=[
                Step(
                    s["name"],
                    s["send_offset"],
                    s["template"],
                    s["channel"],
                    s["local_time"],
                    s["subject"],
                )
                for s in current["steps"]
            ],
            send_window_start=current["send_window_start"],
            send_window_end=current["send_window_end"],
            window_policy=current["window_policy"],
            max_attempts=current["max_attempts"],
            retry_base=current["retry_base"],
            retry_max=current["retry_max"],
            frequency_cap=current["frequency_cap"],
            audience_top_n=current["audience_top_n"],
            audience_by=current["audience_by"],
        )
        spec = replace(spec, **changes, **({"steps": steps} if steps is not None else {}))
        _check(spec)
        conn.execute(
            Q.update_campaign,
            {"id": campaign_id, **_settings(spec)},
        )
        if steps is not None:
            conn.execute(Q.delete_campaign_steps, {"campaign_id": campaign_id})
            _insert_steps(conn, campaign_id, spec)
    return True


def list_campaigns(
    conn: psycopg.Connection, account_id: int, *, after: int, limit: int, status: str | None
) -> list[dict]:
    return rows(
        conn,
        Q.list_campaigns,
        {"account_id": account_id, "after": after, "limit": limit, "status": status},
    )


def get_campaign(conn: psycopg.Connection, campaign_id: int) -> dict | None:
    found = rows(conn, Q.get_campaign, {"id": campaign_id})
    if not found:
        return None
    campaign = found[0]
    campaign["steps"] = rows(conn, Q.campaign_steps, {"campaign_id": campaign_id})
    return campaign


VERBS = ("activate", "pause", "resume", "archive")
"""The lifecycle's verbs; which status each applies to is defined once, in SQL
(campaign_transitions in db/procedures/070_campaigns.sql)."""


class TransitionRefused(Exception):
    """The campaign's status does not allow this verb (or it changed concurrently)."""


@dataclass(frozen=True)
class Changed:
    status: str
    moved: int
    """Messages moved out of the hot tables (archive)."""


def change(conn: psycopg.Connection, campaign_id: int, verb: str) -> Changed | None:
    """Apply a lifecycle verb; None when the campaign does not exist. Raises
    TransitionRefused when its status does not allow the verb."""
    if verb not in VERBS:
        raise ValueError(f"verb must be one of {', '.join(VERBS)}")
    try:
        with conn.transaction():
            status, moved = one(conn, Q.change_campaign, {"campaign_id": campaign_id, "verb": verb})
    except psycopg.errors.NoDataFound:
        return None
    except psycopg.errors.CheckViolation as exc:
        raise TransitionRefused(exc.diag.message_primary or f"cannot {verb} it") from None
    return Changed(status, int(moved))


def set_status(conn: psycopg.Connection, campaign_id: int, status: str) -> str:
    """Activate, pause, resume (active) or archive; raises on a transition not allowed."""
    if status not in STATUSES:
        raise InvalidCampaign("status", f"must be one of {', '.join(STATUSES)}")
    return one(conn, Q.set_campaign_status, {"campaign_id": campaign_id, "status": status})[0]


def campaign_counts(conn: psycopg.Connection, campaign_id: int) -> dict[str, int]:
    """Message counts by state ("suppressed:opted_out" keeps the reason), O(1) in size."""
    return state_counts(rows(conn, Q.campaign_counts, {"campaign_id": campaign_id}))


def archive_campaign(conn: psycopg.Connection, campaign_id: int) -> int:
    """Archive: pending messages are cancelled, rows leave the hot tables, counts stay."""
    return int(one(conn, Q.archive_campaign, {"campaign_id": campaign_id})[0])


def campaign_relations(conn: psycopg.Connection, campaign_id: int) -> list[dict]:
    """Where a campaign's data lives: relation, predicate, serving index, estimated rows."""
    return rows(conn, Q.campaign_relations, {"campaign_id": campaign_id})


def campaign_steps(conn: psycopg.Connection, campaign_id: int) -> list[dict]:
    return rows(conn, Q.campaign_steps, {"campaign_id": campaign_id})
