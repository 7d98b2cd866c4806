"""Provider notifications (inside verified SNS messages) turned into recorded outcomes.

- Amazon SES events, published by the configuration set: Delivery, Bounce (permanent ones make
  the recipient unreachable), Complaint (an email opt-out), Open, Click, Reject.
- AWS End User Messaging SMS events: TEXT_DELIVERED, and the final failures.
- Inbound SMS (two-way SMS): the customer's reply, classified (app_service/replies.py).
Each is applied once, keyed by the SNS MessageId (or the inbound message id)."""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from app_service import json_limits
from app_service.db import one
from app_service.queries import Q
from app_service.replies import classify, survey_score

SES_OUTCOMES = {
    "Delivery": "delivered",
    "Complaint": "complaint",
    "Open": "opened",
    "Click": "clicked",
    "Reject": "failed",
}
SMS_OUTCOMES = {
    "TEXT_DELIVERED": "delivered",
    **dict.fromkeys(
        (
            "TEXT_BLOCKED",
            "TEXT_INVALID",
            "TEXT_INVALID_MESSAGE",
            "TEXT_UNREACHABLE",
            "TEXT_CARRIER_UNREACHABLE",
            "TEXT_CARRIER_BLOCKED",
            "TEXT_TTL_EXPIRED",
            "TEXT_SPAM",
        ),
        "failed",
    ),
}


class UnreadableNotification(ValueError):
    """A verified SNS message whose content is not an event reminderly knows."""


def apply_notification(conn: psycopg.Connection, sns_message_id: str, body: str) -> str:
    """Apply one SNS Notification's Message; returns what was done (for the response/log)."""
    try:
        event = json_limits.loads(body)
    except json_limits.JsonLimitError as exc:
        raise UnreadableNotification(
            f"the notification's Message is refused: {exc.reason}"
        ) from None
    except ValueError:
        raise UnreadableNotification("the notification's Message is not JSON") from None
    if not isinstance(event, dict):
        raise UnreadableNotification("the notification's Message is not a JSON object")
    if "eventType" in event and "mail" in event:
        return _ses(conn, sns_message_id, event)
    if "originationNumber" in event and "messageBody" in event:
        return _inbound_sms(conn, event)
    if str(event.get("eventType", "")).startswith("TEXT_"):
        return _sms_event(conn, sns_message_id, event)
    raise UnreadableNotification(
        "the notification is neither an SES, an SMS nor an inbound SMS event"
    )


def _record(conn, source: str, event_id: str, provider_id: str, outcome: str, detail: dict) -> str:
    (result,) = one(
        conn,
        Q.record_delivery,
        {
            "source": source,
            "event_id": event_id,
            "provider_id": provider_id,
            "outcome": outcome,
            "detail": Jsonb(detail),
        },
    )
    return result


def _ses(conn, event_id: str, event: dict) -> str:
    kind = event["eventType"]
    provider_id = str((event.get("mail") or {}).get("messageId") or "")
    if not provider_id:
        raise UnreadableNotification("the SES event names no message")
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return _record(
                conn,
                "ses",
                event_id,
                provider_id,
                "soft_bounced",
                {"type": bounce.get("bounceType"), "subtype": bounce.get("bounceSubType")},
            )
        return _record(
            conn,
            "ses",
            event_id,
            provider_id,
            "bounced",
            {"reason": f"permanent bounce: {bounce.get('bounceSubType', 'General')}"},
        )
    outcome = SES_OUTCOMES.get(kind)
    if outcome is None:
        return "ignored"
    detail = {"link": (event.get("click") or {}).get("link")} if kind == "Click" else {}
    return _record(conn, "ses", event_id, provider_id, outcome, detail)


def _sms_event(conn, event_id: str, event: dict) -> str:
    outcome = SMS_OUTCOMES.get(event["eventType"])
    provider_id = str(event.get("messageId") or "")
    if outcome is None:
        return "ignored"
    if not provider_id:
        raise UnreadableNotification("the SMS event names no message")
    return _record(
        conn,
        "sms",
        event_id,
        provider_id,
        outcome,
        {"reason": event["eventType"], "status": event.get("messageStatus")},
    )


def _inbound_sms(conn, event: dict) -> str:
    event_id = str(event.get("inboundMessageId") or "")
    if not event_id:
        raise UnreadableNotification("the inbound SMS has no inboundMessageId")
    text = str(event["messageBody"])[:1600]
    kind = "score" if survey_score(text) is not None else classify(text)
    to = event.get("destinationNumber")  # the number the customer wrote to routes the reply
    (applied,) = one(
        conn,
        Q.record_inbound_sms,
        {
            "event_id": event_id,
            "from": str(event["originationNumber"]),
            "kind": kind,
            "text": text,
            "to": str(to) if to else None,
        },
    )
    return "duplicate" if applied < 0 else f"sms reply: {kind}"
