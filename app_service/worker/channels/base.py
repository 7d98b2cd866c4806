"""The provider interface and its two error classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

NETWORK_ERRORS = (ConnectTimeoutError, ReadTimeoutError, EndpointConnectionError)
"""Failures to reach an AWS endpoint at all: always transient."""


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: int
    account_id: int
    channel: str  # sms | email
    recipient: str  # E.164 phone or email address
    body: str
    subject: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    origination: str | None = None
    """The account's own SMS sender identity; None: the channel's (the platform's shared one)."""

    @property
    def idempotency_token(self) -> str:
        """Stable per message: a provider that honours it never sends the message twice."""
        return f"reminderly-{self.message_id}"


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str | None


class TransientSendError(Exception):
    """Throttling, 5xx, timeouts: retried with backoff until the attempts are spent."""


class PermanentSendError(Exception):
    """Invalid number, suppressed address: failed at once; the recipient is unreachable."""


class Channel(Protocol):
    name: str
    sender: str  # the sending identity whose provider rate applies (pool id, SES domain)

    def send(self, message: OutgoingMessage) -> SendResult: ...
