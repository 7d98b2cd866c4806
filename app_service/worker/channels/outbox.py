"""The local outbox: messages land in the `outbox` table, shown by `reminderly outbox`.
The embedded default, so the platform runs end to end without AWS."""

from __future__ import annotations

import queue
import threading
from datetime import UTC, datetime

import psycopg
from psycopg_pool import ConnectionPool

from app_service import db, outbox
from app_service.worker.channels.base import OutgoingMessage, SendResult, TransientSendError


class _Put:
    __slots__ = ("at", "done", "error", "message")

    def __init__(self, message: OutgoingMessage):
        self.message = message
        self.at = datetime.now(UTC)  # when the "provider" got the call, not when it was written
        self.done = threading.Event()
        self.error: str | None = None


class OutboxChannel:
    """One writer thread with one connection (asynchronous commit) for all the sending threads:
    a send waits until its row is written, and every send that arrived while the last write
    ran goes in the next one (a group commit), so a window of many calls in flight costs one
    connection and a few round trips, not one of each per call. Idempotent on message_id."""

    name = "outbox"
    sender = "outbox"

    def __init__(self, pool: ConnectionPool):
        self._conninfo = pool.conninfo
        self._queue: queue.SimpleQueue[_Put] = queue.SimpleQueue()
        self._conn: psycopg.Connection | None = None
        self._writer: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        if self._writer is None:
            with self._start_lock:
                if self._writer is None:
                    self._writer = threading.Thread(
                        target=self._write_loop, name="outbox", daemon=True
                    )
                    self._writer.start()
        put = _Put(message)
        self._queue.put(put)
        put.done.wait()
        if put.error is not None:  # the outbox is unavailable: like a provider 5xx
            raise TransientSendError(put.error)
        return SendResult(provider_message_id=f"outbox-{message.message_id}")

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = db.connect(self._conninfo, autocommit=True)
            outbox.use_async_commit(self._conn)
        return self._conn

    def _write_loop(self) -> None:
        while True:
            puts = [self._queue.get()]
            while True:
                try:
                    puts.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            error = self._write(puts)
            for p in puts:
                p.error = error
                p.done.set()

    def _write(self, puts: list[_Put]) -> str | None:
        messages = [p.message for p in puts]
        try:
            outbox.put_many(self._connection(), messages, [p.at for p in puts])
        except psycopg.Error as exc:
            self._conn = None
            return f"outbox {type(exc).__name__}"
        return None
