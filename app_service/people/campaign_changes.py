"""Campaign changes made by people in the console: the same core calls as the API and the CLI
(app_service/campaigns.py), with the permission matrix checked and every change audited
with its before and after."""

from __future__ import annotations

import psycopg

from app_service import campaigns, templates
from app_service.models import CampaignSpec, Step
from app_service.people import audit, permissions
from app_service.people.audit import Actor


def _steps_shape(steps: list) -> list[dict]:
    return [
        {
            "name": s.name,
            "offset_hours": s.offset.total_seconds() / 3600,
            "template": s.template,
            "subject": s.subject,
            "local_time": str(s.local_time) if s.local_time else None,
        }
        for s in steps
    ]


def merge_field_change(old_steps: list[dict], new_steps: list[Step]) -> tuple[list[str], list[str]]:
    """Merge fields a draft edit adds and removes (the console asks for a confirmation: the
    business's files must carry an added field, and a removed one may be a mistake)."""
    before = {
        n
        for s in old_steps
        for text in (s["template"], s.get("subject") or "")
        for n in templates.merge_fields(text)
    }
    after = {
        n
        for s in new_steps
        for text in (s.template, s.subject or "")
        for n in templates.merge_fields(text)
    }
    return sorted(after - before), sorted(before - after)


def create(conn: psycopg.Connection, actor: Actor, spec: CampaignSpec) -> int:
    permissions.require(actor.role, "edit_campaigns")
    with conn.transaction():
        campaign_id = campaigns.create_campaign(conn, spec)
        audit.record(
            conn,
            actor,
            "campaign.created",
            object_type="campaign",
            object_id=campaign_id,
            after={
                "name": spec.name,
                "kind": spec.kind,
                "channel": spec.channel,
                "steps": _steps_shape(spec.steps),
            },
        )
    return campaign_id


def edit_draft(
    conn: psycopg.Connection, actor: Actor, campaign_id: int, changes: dict, steps: list[Step]
) -> bool:
    permissions.require(actor.role, "edit_campaigns")
    with conn.transaction():
        before = campaigns.get_campaign(conn, campaign_id)
        if before is None:
            return False
        campaigns.update_draft(conn, campaign_id, changes, steps)
        audit.record(
            conn,
            actor,
            "campaign.edited",
            object_type="campaign",
            object_id=campaign_id,
            before={
                "name": before["name"],
                "steps": [
                    {k: s[k] for k in ("name", "template", "subject")} for s in before["steps"]
                ],
            },
            after={**{k: str(v) for k, v in changes.items()}, "steps": _steps_shape(steps)},
        )
    return True


def change_status(conn: psycopg.Connection, actor: Actor, campaign_id: int, verb: str):
    """activate, pause, resume or archive (campaigns.change); None when it does not exist."""
    permissions.require(actor.role, "edit_campaigns")
    with conn.transaction():
        before = campaigns.get_campaign(conn, campaign_id)
        if before is None:
            return None
        changed = campaigns.change(conn, campaign_id, verb)
        audit.record(
            conn,
            actor,
            f"campaign.{verb}",
            object_type="campaign",
            object_id=campaign_id,
            before={"status": before["status"]},
            after={"status": changed.status},
        )
    return changed
