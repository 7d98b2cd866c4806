"""SNS deliveries are trusted by their signature, not an API key: the check api/hooks.py runs
before a view of an operation marked `x-signature: sns`, and the subscription confirmation."""

from __future__ import annotations

import logging
import urllib.request

from flask import current_app, g, request

from app_service import json_limits
from app_service.api.problems import ApiError
from app_service.inbound import sns

log = logging.getLogger("reminderly.api")


def confirm_subscription(url: str) -> None:
    """Visit an SNS SubscribeURL (its host checked first)."""
    sns.check_aws_url(url, "SubscribeURL")
    with urllib.request.urlopen(url, timeout=5) as response:
        response.read()


def verify_sns() -> None:
    """The hook for operations marked x-signature: sns (api/hooks.py)."""
    try:
        message = json_limits.loads(request.get_data())
    except json_limits.JsonLimitError as exc:
        raise ApiError(
            exc.status,
            "Bad Request" if exc.status == 400 else "Content Too Large",
            f"the body is refused: {exc.reason}",
        ) from None
    except ValueError:
        raise ApiError(400, "Bad Request", "the body is not an SNS message (JSON)") from None
    if not isinstance(message, dict):
        raise ApiError(400, "Bad Request", "the body is not an SNS message (JSON object)")
    try:
        sns.verify(
            message,
            allowed_topics=current_app.config["SNS_TOPICS"],
            fetch=current_app.config["SNS_CERT_FETCHER"],
        )
    except sns.SnsRejected as exc:
        # which check failed is for the log, not for an unauthenticated caller
        log.warning("SNS message refused: %s", exc, extra={"request_id": g.get("request_id")})
        raise ApiError(403, "Forbidden", "not a valid SNS message for this deployment") from None
    g.sns_message = message
