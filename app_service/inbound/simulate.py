"""The development simulator of what comes back from providers and customers: an inbound SMS
reply, a delivery receipt, a survey answer. Each is built as the provider (or the survey
page) would send it and applied through the same code as the real webhook or link
(app_service/inbound/events.py, record_survey_response), so the events and webhooks an
integrator receives are the real ones. Refused outside development: `REMINDERLY_STAGE` unset
(a laptop) or `dev`."""

from __future__ import annotations

import json
import uuid

import psycopg

from app_service import config
from app_service.db import one, rows
from app_service.inbound.events import apply_notification
from app_service.queries import Q

KINDS = ("reply", "receipt", "survey_answer")
DEV_STAGES = ("", "dev")


class NotAllowed(RuntimeError):
    """The simulator is off in this stage."""


class CannotSimulate(ValueError):
    """The message cannot receive this (not sent yet, no phone, another channel)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def check_stage() -> None:
    stage = config.current().stage or ""
    if stage not in DEV_STAGES:
        raise NotAllowed(
            f"the inbound simulator runs only in development (this is stage {stage!r})"
        )


def answer_survey(conn: psycopg.Connection, message_id: int, score: int, comment: str) -> bool:
    """A survey answer as the survey page records it (the first answer wins)."""
    with conn.transaction():
        (recorded,) = one(
            conn,
            Q.record_survey_response,
            {
                "message_id": message_id,
                "score": score,
                "comment": comment[:2000],
                "channel": "web",
            },
        )
    return bool(recorded)


def simulate(
    conn: psycopg.Connection,
    message_id: int,
    kind: str,
    *,
    text: str = "",
    outcome: str = "delivered",
    score: int | None = None,
    comment: str = "",
) -> str:
    """Apply one simulated inbound event to a message (run as the service's own login, as the
    real webhooks are); returns what was done, as the real webhook answers it."""
    check_stage()
    found = rows(conn, Q.simulation_target, {"id": message_id})
    if not found:
        raise CannotSimulate("message_id", f"message {message_id} does not exist")
    m = found[0]
    dev_id = f"dev-{uuid.uuid4()}"
    if kind == "survey_answer":
        if score is None:
            raise CannotSimulate("score", "is required for a survey answer")
        return (
            "survey answer recorded"
            if answer_survey(conn, message_id, score, comment)
            else "already answered"
        )
    if m["sent_at"] is None:
        raise CannotSimulate(
            "message_id", f"message {message_id} has not been sent ({m['status']})"
        )
    if kind == "reply":
        if m["channel"] != "sms" or not m["phone"]:
            raise CannotSimulate(
                "message_id", "replies come to SMS messages of a customer with a phone"
            )
        event = {
            "originationNumber": m["phone"],
            "destinationNumber": m["sender_number"],
            "messageBody": text,
            "inboundMessageId": dev_id,
        }
    elif m["channel"] == "email":
        ses = {
            "Delivery": {},
            "Bounce": {"bounce": {"bounceType": "Permanent", "bounceSubType": "General"}},
        }
        name = {"delivered": "Delivery", "bounced": "Bounce", "failed": "Reject"}[outcome]
        event = {
            "eventType": name,
            "mail": {"messageId": m["provider_message_id"]},
            **ses.get(name, {}),
        }
    else:
        name = {
            "delivered": "TEXT_DELIVERED",
            "failed": "TEXT_UNREACHABLE",
            "bounced": "TEXT_INVALID",
        }[outcome]
        event = {"eventType": name, "messageId": m["provider_message_id"], "messageStatus": name}
    with conn.transaction():
        return apply_notification(conn, dev_id, json.dumps(event))
