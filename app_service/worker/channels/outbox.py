"""The local outbox: messages land in the `outbox` table, shown by `reminderly outbox`.
The embedded default, so the platform runs end to end without AWS."""

from __future__ import annotations

import json

from psycopg_pool import ConnectionPool

from app_service.queries import Q
from app_service.worker.channels.base import OutgoingMessage, SendResult


class OutboxChannel:
    name = "outbox"

    def __init__(self, pool: ConnectionPool):
        self._pool = pool

    def send(self, message: OutgoingMessage) -> SendResult:
        with self._pool.connection() as conn:
            conn.execute(Q.outbox_put, {
                "message_id": message.message_id, "account_id": message.account_id,
                "channel": message.channel, "recipient": message.recipient, "subject": message.subject,
                "body": message.body, "headers": json.dumps(message.headers),
            })  # fmt: skip
        return SendResult(provider_message_id=f"outbox-{message.message_id}")
