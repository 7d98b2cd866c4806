"""The send rates AWS granted, read at start so the shared brake never exceeds them.

SES: the account's `MaxSendRate` in the region (sesv2 GetAccount; 1/s in the sandbox, 14/s
on a new production account, raised on request). End User Messaging SMS publishes no rate
through its API (it is per origination type and country: a toll-free number 3 parts/s, a
10DLC campaign 1-75 by its trust score, a short code 100), so it is configured.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

log = logging.getLogger(__name__)


def ses_max_send_rate(client) -> float | None:
    """The SES account's maximum send rate (emails/s), or None when it cannot be read."""
    try:
        quota = client.get_account().get("SendQuota") or {}
    except (ClientError, BotoCoreError) as exc:
        log.warning(
            "SES send quota unreadable (%s): the configured email rate applies", type(exc).__name__
        )
        return None
    rate = quota.get("MaxSendRate")
    return float(rate) if rate else None


def email_rate(configured: float | None, granted: float | None) -> float | None:
    """The email rate to brake at: what was configured, never above what SES granted."""
    if granted is None:
        return configured
    if configured is None or configured > granted:
        if configured is not None:
            log.warning(
                "email rate %.1f/s is above SES's MaxSendRate %.1f/s: using SES's",
                configured,
                granted,
            )
        return granted
    return configured
