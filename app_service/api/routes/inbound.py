"""What comes back: SNS deliveries (receipts, inbound SMS), and the links in messages: the
survey page and review redirect (/r/<token>) and the email unsubscribe (/u/<token>).

These are not called with API keys: SNS messages are trusted by their signature (checked in
api/hooks.py before the view runs), links by their HMAC token. They run as the service's own
login, since the message, not a key, names the tenant."""

from __future__ import annotations

import logging
import re

from flask import Response, current_app, g, jsonify, redirect, render_template, request

from app_service import message_records
from app_service.api.problems import ApiError
from app_service.api.routes import conn
from app_service.api.routing import operation
from app_service.inbound import simulate
from app_service.inbound.events import UnreadableNotification, apply_notification
from app_service.links import LinkSigner

log = logging.getLogger("reminderly.api")
_SCORE = re.compile(r"[0-9]{1,2}")


def _signer() -> LinkSigner:
    return current_app.extensions["reminderly.links"]


def _target(token: str, purpose: str) -> dict:
    message_id = _signer().message_id(token, purpose)
    found = message_records.link_target(conn(), message_id) if message_id else None
    if found is None:
        raise ApiError(404, "Not Found", "this link is not valid")
    return found


def _page(heading: str, text: str, target: dict, status: int = 200, form_action: str | None = None):
    html = render_template(
        "message.html",
        heading=heading,
        text=text,
        form_action=form_action,
        account_name=target.get("account_name"),
    )
    return Response(html, status=status, mimetype="text/html")


@operation("receiveSnsMessage")
def sns_webhook():
    message = g.sns_message  # verified by the hook
    kind = message["Type"]
    if kind == "SubscriptionConfirmation":
        current_app.config["SNS_CONFIRM"](message["SubscribeURL"])
        return jsonify(status="subscribed")
    if kind == "UnsubscribeConfirmation":
        return jsonify(status="ignored")
    try:
        with conn().transaction():
            done = apply_notification(conn(), message["MessageId"], message["Message"])
    except UnreadableNotification as exc:
        raise ApiError(
            400, "Bad Request", str(exc), errors=[{"pointer": "/Message", "detail": str(exc)}]
        ) from None
    return jsonify(status=done)


@operation("openLink")
def link(token: str):
    target = _target(token, "r")
    message_records.record_click(conn(), target["id"], target["kind"])
    if target["kind"] == "review_request" and target["review_url"]:
        return redirect(target["review_url"], code=302)
    if target["kind"] != "survey":
        return _page("Thank you", "There is nothing more to do here.", target)
    if target["answered"]:
        return _page("Thank you", "Your answer has been recorded.", target)
    html = render_template(
        "survey.html", location_name=target["location_name"], account_name=target["account_name"]
    )
    return Response(html, mimetype="text/html")


@operation("answerSurvey")
def answer(token: str):
    target = _target(token, "r")
    if target["kind"] != "survey":
        raise ApiError(404, "Not Found", "this link has no survey")
    raw = request.form.get("score", "")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses
    if not _SCORE.fullmatch(raw) or not 0 <= int(raw) <= 10:
        page = _page("Please choose a score", "Pick a number from 0 to 10, then send.", target, 400)
        return page
    simulate.answer_survey(conn(), target["id"], int(raw), request.form.get("comment", ""))
    return _page("Thank you", "Your answer has been recorded.", target)


@operation("showUnsubscribe")
def unsubscribe_page(token: str):
    target = _target(token, "u")
    return _page("Unsubscribe", "Stop receiving these emails?", target, form_action="Unsubscribe")


@operation("unsubscribe")
def unsubscribe(token: str):
    """Also the RFC 8058 one-click POST (List-Unsubscribe-Post) a mail client sends."""
    target = _target(token, "u")
    with conn().transaction():
        message_records.unsubscribe_email(conn(), target["id"])
    return _page("Unsubscribed", "You will not receive these emails any more.", target)
