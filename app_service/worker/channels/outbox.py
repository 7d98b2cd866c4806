"""The local outbox: messages land in the `outbox` table, shown by `reminderly outbox`.
The embedded default, so the platform runs end to end without AWS."""

from __future__ import annotations

import json
import threading

import psycopg
from psycopg_pool import ConnectionPool

from app_service import db
from app_service.queries import Q
from app_service.worker.channels.base import OutgoingMessage, SendResult, TransientSendError


class OutboxChannel:
    """Each sending thread keeps one connection (a provider's keep-alive, not a pool checkout
    per message), with asynchronous commit: a development sink, idempotent on message_id."""

    name = "outbox"
    sender = "outbox"

    def __init__(self, pool: ConnectionPool):
        self._conninfo = pool.conninfo
        self._local = threading.local()

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = db.connect(self._conninfo, autocommit=True)
            conn.execute(Q.outbox_async_commit)
            self._local.conn = conn
        return conn

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            self._connection().execute(Q.outbox_put, {
                "message_id": message.message_id, "account_id": message.account_id,
                "channel": message.channel, "recipient": message.recipient, "subject": message.subject,
                "body": message.body, "headers": json.dumps(message.headers),
            })  # fmt: skip
        except psycopg.OperationalError as exc:  # the outbox is unavailable: like a provider 5xx
            self._local.conn = None
            raise TransientSendError(f"outbox {type(exc).__name__}") from exc
        return SendResult(provider_message_id=f"outbox-{message.message_id}")
