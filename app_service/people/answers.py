"""Answering a customer from the inbox: free text, or a quick reply from a template edited
before it goes. An answer is queued as a message of no campaign (db/procedures/175_answers.sql)
and sent by the worker like any other: rate-limited, marked before the provider call, recorded,
never twice. The rules hold in the one transaction that queues it: the member's role and
location scope (row-level security), the customer's consent for the channel, the send window
of their location, and the sender they wrote to. A refusal writes nothing."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import psycopg

from app_service import templates
from app_service.db import rows
from app_service.people import audit, permissions
from app_service.people.audit import Actor
from app_service.queries import Q

CHANNELS = ("sms", "email")
MAX_TEXT = 1600
"""Characters of an answer: ten SMS segments of GSM-7, and the answers table's limit."""
MAX_SUBJECT = 200
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,100}$")


class AnswerRefused(ValueError):
    """An answer that cannot go as asked. `reason` is one of: empty, too_long, channel,
    subject, token, not_found, opted_out, no_address, quiet_hours, template. For quiet_hours,
    `send_at` is the window's next opening (the member may schedule it for then)."""

    def __init__(self, reason: str, message: str, send_at: datetime | None = None):
        super().__init__(message)
        self.reason, self.send_at = reason, send_at


@dataclass(frozen=True)
class Answered:
    outcome: str  # queued (ready now), scheduled (for send_at), duplicate (this form's earlier)
    answer_id: int
    send_at: datetime | None


def new_form_token() -> str:
    """One per answer form shown: the same form submitted twice makes one answer."""
    return secrets.token_urlsafe(24)


def _window_text(tz: str, start: time, end: time, where: str | None) -> str:
    place = f" at {where}" if where else ""
    return f"answers{place} go out between {start:%H:%M} and {end:%H:%M} ({tz} time)"


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%a %-d %b %H:%M")


def send(
    conn: psycopg.Connection,
    actor: Actor,
    customer_id: int,
    *,
    channel: str,
    text: str,
    form_token: str,
    subject: str | None = None,
    schedule: bool = False,
    template_id: int | None = None,
) -> Answered:
    """Queue an answer (or, with `schedule`, hold it for the send window's next opening).
    Raises permissions.NotAllowed, or AnswerRefused naming the reason."""
    permissions.require(actor.role, "answer_replies")
    text = text.strip()
    if channel not in CHANNELS:
        raise AnswerRefused("channel", "channel: sms or email")
    if not text:
        raise AnswerRefused("empty", "the answer is empty: write the text to send")
    if len(text) > MAX_TEXT:
        raise AnswerRefused(
            "too_long", f"the answer is {len(text):,} characters; at most {MAX_TEXT:,} can be sent"
        )
    subject = (subject or "").strip() or None
    if channel == "sms":
        subject = None
    elif subject is not None and len(subject) > MAX_SUBJECT:
        raise AnswerRefused("subject", f"the subject is longer than {MAX_SUBJECT} characters")
    if not _TOKEN.match(form_token or ""):
        raise AnswerRefused("token", "the form expired: reload the page and send again")
    with conn.transaction():
        # a quick reply's template is one this member sees (row-level security: their
        # account's), never another account's id recorded on the answer and its audit entry
        if template_id is not None and templates.get_template(conn, template_id) is None:
            raise AnswerRefused("not_found", "no such template")
        (r,) = rows(
            conn,
            Q.answer_queue,
            {
                "customer_id": customer_id,
                "user_id": actor.user_id,
                "channel": channel,
                "body": text,
                "subject": subject,
                "template_id": template_id,
                "token": form_token,
                "schedule": schedule,
            },
        )
        outcome = r["outcome"]
        if outcome == "token_used":
            raise AnswerRefused("token", "the form expired: reload the page and send again")
        if outcome == "not_found":
            raise AnswerRefused("not_found", "no such customer")
        if outcome == "opted_out":
            raise AnswerRefused(
                "opted_out",
                f"the customer opted out of {channel.upper() if channel == 'sms' else 'email'}:"
                " nothing can be sent to them on that channel",
            )
        if outcome == "no_address":
            what = "phone number" if channel == "sms" else "email address"
            raise AnswerRefused("no_address", f"the customer has no {what}")
        if outcome == "quiet_hours":
            window = _window_text(r["tz"], r["win_start"], r["win_end"], r["location_name"])
            raise AnswerRefused(
                "quiet_hours",
                f"Not sent: it is quiet hours for this customer ({window}). It can go at the"
                f" next allowed time, {_local(r['send_at'], r['tz'])}.",
                r["send_at"],
            )
        if outcome in ("queued", "scheduled"):
            audit.record(
                conn,
                actor,
                "conversation.answered",
                object_type="customer",
                object_id=customer_id,
                after={
                    "answer_id": r["answer_id"],
                    "channel": channel,
                    "characters": len(text),
                    "template_id": template_id,
                    "status": outcome,
                    "send_at": r["send_at"],
                },
            )
    return Answered(outcome, r["answer_id"], r["send_at"])


def context(conn: psycopg.Connection, customer_id: int) -> dict | None:
    """What the answer form offers for this customer (None: not theirs to see): addresses,
    consent per channel, the send window and the local time there."""
    found = rows(conn, Q.answer_context, {"customer_id": customer_id})
    return found[0] if found else None


def quick_reply(conn: psycopg.Connection, customer_id: int, template_id: int) -> dict:
    """A template rendered for this customer in the jinja2 sandbox, as an answer's starting
    text: {channel, body, subject, sampled_fields}. Fields the customer's data lacks show as
    [name], for the member to fill in before sending."""
    template = templates.get_template(conn, template_id)
    ctx = context(conn, customer_id)
    if template is None or ctx is None:
        raise AnswerRefused("not_found", "no such template or customer")
    fields = {k: str(v) for k, v in (ctx["merge_fields"] or {}).items() if v is not None}
    fields.update(
        {
            k: v
            for k, v in {
                "first_name": ctx["first_name"],
                "last_name": ctx["last_name"],
                "location": ctx["location_name"],
            }.items()
            if v
        }
    )
    if ctx["starts_at"] is not None:  # formatted as every message formats them
        fields.update(templates.appointment_fields(ctx["starts_at"], ctx["tz"]))
    try:
        shown = templates.preview(
            template["channel"], template["body"], template["subject"], fields
        )
    except (templates.TemplateInvalid, templates.TemplateUnrenderable) as exc:
        raise AnswerRefused("template", f"the template cannot be used: {exc}") from None
    return {
        "template_id": template_id,
        "channel": template["channel"],
        "body": shown["body"][:MAX_TEXT],
        "subject": shown["subject"],
        "sampled_fields": shown["sampled_fields"],
    }
