"""Amazon SNS HTTP(S) deliveries: verify the message signature before anything is believed.

Per the SNS documentation: the signing certificate must come from an SNS endpoint over HTTPS;
the signature (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) is over the message's
fields in a fixed order; the topic must be one this deployment subscribed to; and a message
older than an hour is refused (a replayed capture).
"""

from __future__ import annotations

import base64
import re
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

# sns.<region>.amazonaws.com(.cn): a region name (us-east-1, us-gov-west-1, cn-north-1), so
# sns.s3.amazonaws.com or sns.anything-else.amazonaws.com are not SNS endpoints
_CERT_HOST = re.compile(r"^sns\.[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}\.amazonaws\.com(?:\.cn)?$")
_SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
    "UnsubscribeConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
MAX_AGE = timedelta(hours=1)

CertificateFetcher = Callable[[str], bytes]


class SnsRejected(Exception):
    """Not a genuine SNS message for this deployment; the reason is safe to log."""


def fetch_certificate(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read()


@lru_cache(maxsize=32)
def _cached(url: str, fetch: CertificateFetcher) -> x509.Certificate:
    return x509.load_pem_x509_certificate(fetch(url))


def check_aws_url(url: str, what: str) -> None:
    """An https URL whose authority is exactly an SNS endpoint's host: no user info (the
    `https://evil.example@sns...` trick), no port, nothing a parser could read two ways."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise SnsRejected(f"{what} is not a URL") from None
    if (
        parts.scheme != "https"
        or port is not None
        or parts.netloc.lower() != host
        or not _CERT_HOST.match(host)
        or any(c in url for c in "\\\x00\r\n\t ")
    ):
        raise SnsRejected(f"{what} is not an https URL of an SNS endpoint")


def string_to_sign(message: dict) -> bytes:
    kind = message.get("Type")
    if kind not in _SIGNED_FIELDS:
        raise SnsRejected(f"unknown message type {kind!r}")
    out = []
    for name in _SIGNED_FIELDS[kind]:
        if name in message and message[name] is not None:
            out.append(f"{name}\n{message[name]}\n")
        elif name != "Subject":
            raise SnsRejected(f"the message has no {name}")
    return "".join(out).encode()


def verify(
    message: dict,
    *,
    allowed_topics: frozenset[str],
    fetch: CertificateFetcher = fetch_certificate,
    now: datetime | None = None,
) -> None:
    """Raise SnsRejected unless `message` is a genuine SNS message from an allowed topic."""
    for name in (
        "Type",
        "MessageId",
        "TopicArn",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
    ):
        if not isinstance(message.get(name), str):
            raise SnsRejected(f"{name} is missing or not a string")
    for name in ("Message", "Subject", "SubscribeURL", "Token"):
        if message.get(name) is not None and not isinstance(message[name], str):
            raise SnsRejected(f"{name} is not a string")
    if message["TopicArn"] not in allowed_topics:
        raise SnsRejected("the topic is not one this deployment subscribes to")
    version = str(message.get("SignatureVersion"))
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(version)
    if algorithm is None:
        raise SnsRejected(f"unsupported SignatureVersion {version!r}")
    url = str(message.get("SigningCertURL", ""))
    check_aws_url(url, "SigningCertURL")
    if message["Type"] != "Notification":
        # confirmed by visiting it: only ever an SNS endpoint
        check_aws_url(str(message.get("SubscribeURL") or ""), "SubscribeURL")
    if not url.endswith(".pem"):
        raise SnsRejected("SigningCertURL is not a certificate")
    try:
        sent = datetime.fromisoformat(str(message.get("Timestamp")).replace("Z", "+00:00"))
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
    except ValueError:
        raise SnsRejected("the Timestamp or Signature is malformed") from None
    if sent.tzinfo is None:
        raise SnsRejected("the Timestamp has no time zone")
    if abs((now or datetime.now(UTC)) - sent) > MAX_AGE:
        raise SnsRejected("the message is more than an hour old")
    try:
        certificate = _cached(url, fetch)
    except Exception:
        raise SnsRejected("the signing certificate cannot be fetched or read") from None
    try:
        certificate.public_key().verify(
            signature, string_to_sign(message), padding.PKCS1v15(), algorithm
        )
    except InvalidSignature:
        raise SnsRejected("the signature does not match") from None
