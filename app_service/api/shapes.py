"""Database rows to the JSON shapes the contract documents."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app_service import packet_state
from app_service.models import PacketStatus
from app_service.templates import merge_fields


def ts(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def seconds(value: timedelta | None) -> int | None:
    return int(value.total_seconds()) if value is not None else None


def account(r: dict) -> dict:
    return {
        "id": r["id"],
        "name": r["name"],
        "default_country": r["default_country"],
        "timezone": r["timezone"],
        "created_at": ts(r["created_at"]),
    }


def api_key(r: dict) -> dict:
    return {
        "id": r["id"],
        "name": r["name"],
        "prefix": r["prefix"],
        "scopes": list(r["scopes"]),
        "rate_limit_per_minute": r["rate_limit_per_minute"],
        "created_at": ts(r["created_at"]),
        "last_used_at": ts(r["last_used_at"]),
        "revoked_at": ts(r["revoked_at"]),
    }


def customer(r: dict) -> dict:
    return {
        "id": r["id"],
        "external_id": r["external_id"],
        "first_name": r["first_name"],
        "last_name": r["last_name"],
        "phone": r["phone"],
        "email": r["email"],
        "timezone": r["timezone"],
        "locale": r["locale"],
        "opted_out": {"sms": ts(r["sms_opted_out_at"]), "email": ts(r["email_opted_out_at"])},
        "last_seen_at": ts(r["last_seen_at"]),
        "pii_purged_at": ts(r["pii_purged_at"]),
        "created_at": ts(r["created_at"]),
        "updated_at": ts(r["updated_at"]),
    }


def step(r: dict) -> dict:
    return {
        "step": r["step"],
        "name": r["name"],
        "offset_minutes": int(r["send_offset"].total_seconds() // 60),
        "local_time": hhmm(r["local_time"]),
        "channel": r["channel"],
        "template": r["template"],
        "subject": r["subject"],
    }


def campaign(r: dict) -> dict:
    return {
        "id": r["id"],
        "name": r["name"],
        "kind": r["kind"],
        "channel": r["channel"],
        "status": r["status"],
        "send_window_start": hhmm(r["send_window_start"]),
        "send_window_end": hhmm(r["send_window_end"]),
        "window_policy": r["window_policy"],
        "max_attempts": r["max_attempts"],
        "retry_base_seconds": seconds(r["retry_base"]),
        "retry_max_seconds": seconds(r["retry_max"]),
        "frequency_cap_seconds": seconds(r["frequency_cap"]),
        "audience_top_n": r.get("audience_top_n"),
        "audience_by": r.get("audience_by"),
        "steps": [step(s) for s in r.get("steps", [])],
        "created_at": ts(r["created_at"]),
        "updated_at": ts(r["updated_at"]),
        "archived_at": ts(r["archived_at"]),
    }


def template(r: dict) -> dict:
    fields = merge_fields(r["body"]) + (merge_fields(r["subject"]) if r["subject"] else [])
    return {
        "id": r["id"],
        "name": r["name"],
        "channel": r["channel"],
        "subject": r["subject"],
        "body": r["body"],
        "merge_fields": sorted(set(fields)),
        "created_at": ts(r["created_at"]),
        "updated_at": ts(r["updated_at"]),
    }


def rejections(status: PacketStatus) -> list[dict]:
    return [{"column": c, "reason": r, "count": n} for c, r, n in status.rejected_by_reason]


def packet(s: PacketStatus) -> dict:
    """The library's load summary (the CLI prints the same) with the resource's links."""
    base = f"/v1/packets/{s.id}"
    return packet_state.summary(s) | {
        "links": {"self": base, "errors": f"{base}/errors", "messages": f"{base}/messages"}
    }


def message(r: dict) -> dict:
    return {
        "id": r["id"],
        "campaign_id": r["campaign_id"],
        "packet_id": r["packet_id"],
        "customer_id": r["customer_id"],
        "appointment_id": r["appointment_id"],
        "step": r["step"],
        "channel": r["channel"],
        "status": r["status"],
        "reason": r["reason"],
        "send_at": ts(r["send_at"]),
        "attempts": r["attempts"],
        "sent_at": ts(r["sent_at"]),
        "segments": r["segments"],
        "updated_at": ts(r["updated_at"]),
        "customer": {"id": r["customer_id"], "external_id": r["customer_external_id"]},
        "appointment": {"id": r["appointment_id"], "external_id": r["appointment_external_id"]},
        "location": None
        if r["location_id"] is None
        else {"id": r["location_id"], "external_id": r["location_external_id"]},
    }


def location(r: dict) -> dict:
    window = None
    if r["send_window_start"] is not None:
        window = {"start": hhmm(r["send_window_start"]), "end": hhmm(r["send_window_end"])}
    return {
        "id": r["id"],
        "external_id": r["external_id"],
        "name": r["name"],
        "timezone": r["timezone"],
        "address": r["address"],
        "review_url": r["review_url"],
        "send_window": window,
        "created_at": ts(r["created_at"]),
        "updated_at": ts(r["updated_at"]),
    }


def appointment(r: dict, messages: list[dict] | None = None) -> dict:
    shaped = {
        "id": r["id"],
        "external_id": r["external_id"],
        "status": r["status"],
        "starts_at": ts(r["starts_at"]),
        "timezone": r["timezone"],
        "customer": {"id": r["customer_id"], "external_id": r["customer_external_id"]},
        "location": None
        if r["location_id"] is None
        else {"id": r["location_id"], "external_id": r["location_external_id"]},
        "last_change": r["last_change"],
        "last_packet_id": r["last_packet_id"],
        "created_at": ts(r["created_at"]),
        "updated_at": ts(r["updated_at"]),
    }
    if messages is not None:
        shaped["messages"] = [message(m) for m in messages]
    return shaped
