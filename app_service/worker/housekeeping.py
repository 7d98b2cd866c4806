"""The worker's once-a-second side, beside its dispatch loops: the ready tick (leases
reclaimed, due messages made ready, packets advanced), the metrics of the outcomes since the
last tick, the heartbeat (and the DR last-write marker after it), and the daily customer
scores and the retention of audit entries and of customers' personal data. A mixin of Worker,
whose state it reads."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from app_service import dispatch_queue as dq
from app_service.worker.counting import Counters, RateMeter, Tally, expected_drain_seconds
from app_service.worker.pipeline import Window
from deploy_contract import metrics as M

log = logging.getLogger("app_service.worker.runner")


class Housekeeping:
    """The tick, metrics and heartbeat of a Worker (the attributes below are the Worker's)."""

    pool: ConnectionPool
    settings: Any
    channels: dict[str, Any]
    name: str
    counters: Counters
    tally: Tally
    window: Window
    stop: threading.Event
    _rate: RateMeter
    _emit: Callable[[dict], None] | None
    _on_beat: Callable[[datetime], object] | None

    def request_stop(self) -> None:
        raise NotImplementedError

    def _tick_loop(self, until_idle: bool) -> None:
        last_beat = 0.0
        next_scores = time.monotonic() + min(
            self.settings.daily_first_seconds, self.settings.analytics_every_seconds
        )
        while not self.stop.is_set():
            try:
                self.tick()
                if time.monotonic() >= next_scores:
                    self.refresh_scores()
                    self.purge_audit_log()
                    self.purge_pii()
                    next_scores = time.monotonic() + self.settings.analytics_every_seconds
                if time.monotonic() - last_beat >= self.settings.heartbeat_seconds:
                    self._beat("draining" if self.stop.is_set() else "running")
                    last_beat = time.monotonic()
            except psycopg.OperationalError as exc:
                log.warning("tick: database unavailable (%s); retrying", type(exc).__name__)
            except Exception as exc:  # the tick must outlive any one failure
                log.error("tick: unexpected %s at %s", type(exc).__name__, where(exc))
            self.stop.wait(self.settings.tick_seconds)

    def purge_audit_log(self) -> int:
        """The audit log's retention, applied daily with the scores (idempotent: any worker)."""
        from app_service.people import audit

        with self.pool.connection() as conn:
            return audit.purge(conn)

    def purge_pii(self) -> int:
        """Personal data past its retention, erased daily with the scores (idempotent: any
        worker): the counts are logged, never whose."""
        from app_service import customers

        retention = customers.pii_retention()
        if retention is None:
            return 0
        with self.pool.connection() as conn:
            purged, rows_deleted = customers.purge_pii(conn, retention)
        if purged or rows_deleted:
            log.info(
                "retention: personal data of %s customers erased, %s raw packet rows deleted",
                purged,
                rows_deleted,
            )
        return purged

    def refresh_scores(self) -> int:
        """Recompute every account's customer scores, unless another worker is doing it or did
        it within the period. Returns how many accounts were scored."""
        from app_service import analytics

        with self.pool.connection() as conn, conn.transaction():
            scored = analytics.refresh_all_if_due(conn, self.settings.analytics_every_seconds)
        if scored:
            log.info("customer scores refreshed for %s accounts", scored)
        return scored

    def tick(self) -> dict[str, float]:
        """Reclaim expired leases, make due messages ready, advance packets, publish metrics."""
        with self.pool.connection() as conn:
            reclaimed = dq.reclaim_expired_leases(conn)
            dq.fail_stale_loads(conn)
            dq.purge_drafts(conn)
            ready = dq.mark_ready(conn)
            dq.refresh_packet_states(conn)
            backlog = dq.backlog(conn)
        values = {
            M.OLDEST_READY_MESSAGE_AGE: (float(backlog[1]), "Seconds"),
            M.EXPIRED_LEASES: (float(reclaimed), "Count"),
            M.MESSAGES_MADE_READY: (float(ready), "Count"),
            M.WORKER_HEARTBEAT: (1.0, "Count"),
            M.EXPECTED_DRAIN: (
                expected_drain_seconds(int(backlog[0]), self._rate.per_second(), int(backlog[2])),
                "Seconds",
            ),
        }
        values.update(self._publish(emit=False))
        for channel in {id(c): c for c in self.channels.values()}.values():
            if hasattr(channel, "metrics"):  # the SMS route in use
                values.update(channel.metrics())
        if self._emit:
            self._emit(values)
        return {k: v for k, (v, _) in values.items()}

    def _publish(self, *, emit: bool = True) -> dict[str, tuple[float, str]]:
        """The outcomes since the last tick, as metrics (sums are what the alarms read)."""
        t = self.tally.take()
        self._rate.add(t["sent"])
        values = {
            M.MESSAGES_SENT: (t["sent"], "Count"),
            M.MESSAGES_RETRIED: (t["retried"], "Count"),
            M.MESSAGES_FAILED: (t["failed"], "Count"),
            M.MESSAGES_DEAD: (t["dead"], "Count"),
            M.SENDS_IN_FLIGHT: (float(self.window.in_use), "Count"),
        }
        if t["calls"]:
            values[M.SEND_LATENCY] = (t["latency_ms"] / t["calls"], "Milliseconds")
        if emit and self._emit:
            self._emit(values)
        return values

    def _beat(self, state: str) -> None:
        try:
            with self.pool.connection() as conn:
                drain, beat_at = dq.heartbeat(
                    conn,
                    self.name,
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    sent=self.counters.sent,
                    failed=self.counters.failed,
                    state=state,
                )
        except psycopg.OperationalError:
            log.warning("heartbeat: database unavailable")
            return
        if self._on_beat is not None:  # committed: the pool's connection block has ended
            try:
                self._on_beat(beat_at)
            except Exception as exc:  # never let the marker stop a worker
                log.warning("heartbeat hook failed: %s", type(exc).__name__)
        if drain is not None and not self.stop.is_set():
            log.info("drain requested by an operator at %s: stopping", drain)
            self.request_stop()


def where(exc: BaseException) -> str:
    """file:line where `exc` was raised: enough to find a bug, without its message (which may
    carry customer data)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    return f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
