"""Signed, unguessable links in messages: /r/<token> (survey page or review site) and
/u/<token> (email unsubscribe). The token carries the message's public id (public_ids: no
sequence value, so a link shows nothing of the platform's volume) and the link's purpose,
signed with HMAC (itsdangerous) under REMINDERLY_LINK_SECRET; a token for another purpose, or
altered in any character, is refused. Tokens of the first format (the row id itself, salt
v1), already sent in messages, are still read."""

from __future__ import annotations

import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from app_service import config
from app_service.config import Settings
from app_service.public_ids import PublicIds

PURPOSES = {"r": "track", "u": "unsubscribe"}


def link_secret(settings: Settings | None = None) -> str:
    """REMINDERLY_LINK_SECRET (Secrets Manager in AWS); locally, a random secret kept in the
    data folder, so the API and the worker on one machine agree."""
    settings = settings or config.current()
    if settings.link_secret:
        return settings.link_secret
    path: Path = settings.data_dir / "link-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


class LinkSigner:
    def __init__(self, secret: str, ids: PublicIds | None = None):
        self._serializer = URLSafeSerializer(secret, salt="reminderly-links-v2")
        self._first = URLSafeSerializer(secret, salt="reminderly-links-v1")
        self._ids = ids or PublicIds(secret)

    def token(self, message_id: int, purpose: str) -> str:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown link purpose {purpose!r}")
        return self._serializer.dumps([purpose, self._ids.encode(message_id)])

    def message_id(self, token: str, purpose: str) -> int | None:
        """The message a token was made for, or None when it is not a valid token for it."""
        for serializer, public in ((self._serializer, True), (self._first, False)):
            try:
                found, value = serializer.loads(token)
            except (BadSignature, ValueError, TypeError):
                continue
            if found != purpose or not isinstance(value, int) or isinstance(value, bool):
                return None
            # one token per link: base64's unused padding bits let another last character
            # decode to the same signature, so only the canonical encoding is accepted
            if not secrets.compare_digest(serializer.dumps([found, value]), token):
                return None
            message_id = self._ids.decode(value) if public else value
            return message_id if message_id is not None and message_id > 0 else None
        return None

    def url(self, base: str, message_id: int, purpose: str) -> str:
        return f"{base.rstrip('/')}/{purpose}/{self.token(message_id, purpose)}"
