"""The worker: a ready tick and dispatch loops feeding a window of provider calls in flight.

Each dispatch loop takes a batch: render -> lock its customers (the lock record_consent takes)
-> hand its messages to the provider as slots of the process's in-flight window free up
(each group's send markers committed in one statement before any of its calls) -> the
recorder thread commits the answers as they come -> unlock once all are recorded. Several
loops keep batches prepared, so the window never drains between batches.

Exactly once: a window slot is held from the marker to the recorded answer, so a worker
dying leaves `send_outcome_unknown` on at most the window's size of messages (those handed
over and not yet recorded, some perhaps delivered), never a second send; messages not yet
handed over are retried. An opt-out waits for sends under way to the customer; the frequency
cap counts sends under way (markers) as well as sends made.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from psycopg_pool import ConnectionPool

from app_service import config, consent
from app_service import dispatch_queue as dq
from app_service.links import LinkSigner, link_secret
from app_service.models import ClaimedMessage
from app_service.sms_segments import sms_segments
from app_service.worker import metrics
from app_service.worker.channels.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
)
from app_service.worker.compose import Composer
from app_service.worker.counting import (
    Counters,
    RateMeter,
    Tally,
)
from app_service.worker.housekeeping import Housekeeping, where
from app_service.worker.pipeline import Answer, BatchSends, Recorder, Window
from app_service.worker.ratelimit import SharedRateLimiter
from app_service.worker.render import RenderError

log = logging.getLogger(__name__)


@dataclass
class WorkerSettings:
    concurrency: int | None = None
    """Dispatch loops (batches prepared and handed over at once); None: enough to keep the
    window full (`loops`)."""
    inflight: int = 16
    """Provider calls in flight at once in this process (its sender threads)."""
    marker_group: int | None = None
    """At most this many send markers per commit (None: every slot free at that moment; 1:
    one commit per message, for measuring what grouping saves)."""
    batch: int = 20
    lease: timedelta = timedelta(seconds=60)
    tick_seconds: float = 1.0
    idle_sleep_seconds: float = 0.5
    heartbeat_seconds: float = 5.0
    stop_deadline_seconds: float = 25.0  # inside ECS's 30 s stop timeout
    public_url: str = field(default_factory=lambda: config.current().public_url_or_local)
    """Where links in messages point (REMINDERLY_PUBLIC_URL, else the local server)."""
    link_secret: str | None = None
    """Signs the links in messages (REMINDERLY_LINK_SECRET, else the local data folder's)."""
    analytics_every_seconds: float = 24 * 3600
    """How often customer scores are recomputed (one worker does it; the others find them fresh)."""
    daily_first_seconds: float = 600.0
    """When the daily pass (scores, audit and PII retention) first runs after the worker
    starts: soon, not a day later, so that tasks replaced more often than daily (every deploy)
    still run it. Scores are skipped while fresh; the purges are idempotent."""

    @property
    def loops(self) -> int:
        """Dispatch loops when `concurrency` is not set. A batch holds its loop until the
        slowest of its calls is recorded (it keeps its customers' send locks until then), and
        a provider's p99 is about four times its mean latency (bench/RESULTS.md: with twice
        the window in batches, one process at 128 in flight sent 0.47x its ideal, with four
        times 0.70x): four windows' worth of batches, at least 2."""
        if self.concurrency:
            return self.concurrency
        return max(2, -(-4 * self.inflight // self.batch) + 1)

    @property
    def window(self) -> int:
        """Messages marked as being sent and not yet recorded, at most: the calls in flight
        and a quarter more being marked or recorded around them (so that the provider always
        has `inflight` calls while those round trips run). What a crash can leave unknown."""
        return self.inflight + max(2, self.inflight // 4)


class Worker(Housekeeping):
    def __init__(
        self,
        pool: ConnectionPool,
        channels: dict[str, Channel],
        settings: WorkerSettings | None = None,
        *,
        name: str | None = None,
        emit_metrics: Callable[[dict], None] | None = metrics.emit,
        limiters: dict[str, SharedRateLimiter] | None = None,
        on_beat: Callable[[datetime], object] | None = None,
    ):
        self.pool = pool
        self.channels = channels
        self.limiters = limiters or {}  # channel name -> its sender's shared send rate
        self.settings = settings or WorkerSettings()
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.counters = Counters()
        self.tally = Tally()
        self.window = Window(self.settings.window)
        self.senders: ThreadPoolExecutor | None = None
        self.recorder: Recorder | None = None
        self._rate = RateMeter()
        self.stop = threading.Event()
        self._emit = emit_metrics
        self._on_beat = on_beat  # a committed heartbeat's time (the DR last-write marker)
        self._stop_requested_at: float | None = None
        self.links = LinkSigner(self.settings.link_secret or link_secret())
        self.composer = Composer(self.links, self.settings.public_url)

    # --- lifecycle ----------------------------------------------------------------------------

    def request_stop(self) -> None:
        """SIGTERM: finish and record the calls in flight, give back what was not handed
        over, stop."""
        if self._stop_requested_at is None:
            self._stop_requested_at = time.monotonic()
        self.stop.set()

    def run(self, *, until_idle: bool = False) -> Counters:
        """Run until stopped (or, with until_idle, until nothing is pending)."""
        self._beat("running")
        self.senders = ThreadPoolExecutor(self.settings.inflight, thread_name_prefix="send")
        self.recorder = Recorder(
            self.pool,
            self.name,
            self.window,
            self._on_recorded,
            give_up_seconds=self.settings.lease.total_seconds(),
        )
        loops = [
            threading.Thread(
                target=self._dispatch_loop, args=(until_idle,), name=f"dispatch-{i}", daemon=True
            )
            for i in range(self._loops())
        ]
        ticker = threading.Thread(
            target=self._tick_loop, args=(until_idle,), name="tick", daemon=True
        )
        for t in (*loops, ticker):
            t.start()
        for t in loops:
            t.join()
        self.stop.set()
        ticker.join()
        self.senders.shutdown(wait=True)
        self.recorder.close()
        self._publish()
        self._beat("stopped")
        return self.counters

    # --- dispatch ------------------------------------------------------------------------------

    def _claim_size(self) -> int:
        """The batch, but no more than the shared rate lets every loop's batch go out well
        within its lease (a slow sender's messages are not leased only to wait for tokens)."""
        rates = [lim.rate.per_second for lim in self.limiters.values()]
        if not rates:
            return self.settings.batch
        lease = self.settings.lease.total_seconds()
        fair = int(min(rates) * lease / (2 * self._loops()))
        return max(1, min(self.settings.batch, fair))

    def _loops(self) -> int:
        """Dispatch loops: enough prepared batches that the window never drains between them
        (while one batch's last answers come back, the next ones are already claimed)."""
        # one connection left for the tick
        return max(1, min(self.settings.loops, self.pool.max_size - 1))

    def _dispatch_loop(self, until_idle: bool) -> None:
        while not self.stop.is_set():
            try:
                with self.pool.connection() as conn:
                    batch = dq.claim(conn, self.name, self._claim_size(), self.settings.lease)
                    if not batch:
                        if until_idle and not self._pending(conn):
                            return
                        self.stop.wait(self.settings.idle_sleep_seconds)
                        continue
                    self._dispatch_batch(conn, batch)
            except psycopg.OperationalError as exc:
                # the database restarted or the network blinked: leases protect the batch
                log.warning("dispatch: database unavailable (%s); reconnecting", type(exc).__name__)
                self.stop.wait(1.0)
            except Exception as exc:  # a bug or bad data: never end the thread over one batch
                # the batch's leases expire and are reclaimed (each claim counted an attempt, so
                # a batch that keeps failing goes dead instead of looping)
                log.error(
                    "dispatch: unexpected %s at %s; carrying on", type(exc).__name__, where(exc)
                )
                self.stop.wait(1.0)

    def _pending(self, conn: psycopg.Connection) -> bool:
        return dq.pending_soon(conn)

    def _dispatch_batch(self, conn: psycopg.Connection, batch: list[ClaimedMessage]) -> None:
        """One batch: render all, lock their customers (the lock record_consent takes), then
        hand them to the provider as window slots free up, each group's send markers in one
        commit; the recorder commits the answers. The customers' locks are let go only once
        every send handed over is recorded. A stop gives back what was not handed over."""
        if self.stop.is_set():
            released = dq.release_leases(conn, self.name, [m.id for m in batch])
            log.info("stopping: released %s leases", released)
            return
        details = dq.messages_for_send(conn, [m.id for m in batch])
        ready: list[tuple[ClaimedMessage, OutgoingMessage, Channel]] = []
        failures: list[tuple[ClaimedMessage, str, bool]] = []
        for claimed, made in zip(batch, self._prepare(batch, details), strict=True):
            channel = self.channels.get(claimed.channel)
            if isinstance(made, RenderError):
                failures.append((claimed, str(made), True))
                continue
            if isinstance(made, str):  # the renderer could not run: not the message's fault
                failures.append((claimed, made, False))
                continue
            if channel is None:
                failures.append((claimed, f"no {claimed.channel} channel configured", False))
                continue
            ready.append((claimed, made, channel))
        self._record_failures(conn, failures)
        if not ready:
            return
        dq.lock_customers(conn, list({c.customer_id for c, _, _ in ready}))
        sends = BatchSends()
        try:
            self._hand_over(conn, ready, sends)
        finally:
            sends.wait()  # an opt-out waits for the sends under way: the locks outlive them
            try:
                for claimed, error in sends.unreachable:  # refused for good by the provider
                    consent.record(
                        conn,
                        claimed.customer_id,
                        claimed.channel,
                        "unreachable",
                        "provider",
                        error[:200],
                    )
            finally:
                dq.unlock_customers(conn)

    def _hand_over(
        self,
        conn: psycopg.Connection,
        to_send: list[tuple[ClaimedMessage, OutgoingMessage, Channel]],
        sends: BatchSends,
    ) -> None:
        pending = deque(to_send)
        while pending and not self.stop.is_set():
            k = self.window.acquire(
                min(len(pending), self.settings.marker_group or len(pending)), self.stop
            )
            if k == 0:
                break
            group = [pending.popleft() for _ in range(k)]
            allowed = self._take_tokens(group)
            if len(allowed) < len(group):  # the rate's tokens ran out (or a stop came)
                self.window.release(len(group) - len(allowed))
                pending.extendleft(reversed(group[len(allowed) :]))
            if not allowed:
                break
            # the send markers of the group, committed before any of its calls: a crash
            # leaves `send_outcome_unknown` only on messages handed over (at most the window)
            began = time.perf_counter()
            try:
                verdicts = dq.begin_sends(conn, self.name, [c.id for c, _, _ in allowed])
            except BaseException:
                self.window.release(len(allowed))
                raise
            self.counters.add(marker_commits=1, marker_seconds=time.perf_counter() - began)
            go = [item for item in allowed if verdicts.get(item[0].id) == "send"]
            self.window.release(len(allowed) - len(go))  # lost lease, opted out, capped
            sends.handed(len(go))
            for claimed, outgoing, channel in go:
                self.senders.submit(self._call, sends, claimed, outgoing, channel)
        if pending:
            rest = [c.id for c, _, _ in pending]
            abandoned = dq.abandon_sends(conn, self.name, rest)
            log.info("stopping: gave back %s messages not yet sent", abandoned)

    def _take_tokens(
        self, group: list[tuple[ClaimedMessage, OutgoingMessage, Channel]]
    ) -> list[tuple[ClaimedMessage, OutgoingMessage, Channel]]:
        """The shared per-sender rate, one token a message: the leading part of `group` whose
        tokens are there now (the first one waited for), so the group goes out at the rate,
        never as a burst of tokens saved up while waiting; empty if told to stop meanwhile."""
        for i, (claimed, _, _) in enumerate(group):
            limiter = self.limiters.get(claimed.channel)
            if limiter is None:
                continue
            if i == 0:
                if not limiter.acquire(self.stop):
                    return []
            elif not limiter.try_acquire():
                return group[:i]
        return group

    def _call(
        self,
        sends: BatchSends,
        claimed: ClaimedMessage,
        outgoing: OutgoingMessage,
        channel: Channel,
    ) -> None:
        """One provider call, on a sender thread; its answer goes to the recorder whatever
        happens (so its window slot always comes back)."""
        answer = Answer(sends, claimed)
        start = time.monotonic()
        try:
            result = channel.send(outgoing)
            answer.provider_id = result.provider_message_id
            if outgoing.channel == "sms":
                answer.segments = sms_segments(outgoing.body).count
        except TransientSendError as exc:
            answer.error = str(exc)
        except PermanentSendError as exc:
            answer.error, answer.permanent, answer.unreachable = str(exc), True, True
        except Exception as exc:  # a channel's bug: the provider may have the message, so it
            # fails for good (at most once)
            answer.error, answer.permanent = f"send_error: {type(exc).__name__}", True
        finally:
            answer.latency_ms = (time.monotonic() - start) * 1000
            self.recorder.put(answer)

    def _on_recorded(self, sent: int, outcomes: dict[int, str], answers: list[Answer]) -> None:
        values = list(outcomes.values())
        retried, dead, failed = (values.count(s) for s in ("retry", "dead", "failed"))
        self.counters.add(sent=sent, retried=retried, dead=dead, failed=failed + dead)
        self.tally.add(
            sent=sent,
            retried=retried,
            dead=dead,
            failed=failed,
            calls=len(answers),
            latency_ms=sum(a.latency_ms for a in answers),
        )

    def _record_failures(
        self, conn: psycopg.Connection, failures: list[tuple[ClaimedMessage, str, bool]]
    ) -> None:
        if not failures:
            return
        outcomes = dq.fail(conn, self.name, [(c.id, e, p) for c, e, p in failures])
        for claimed, error, _ in failures:
            # the category only: a template error's detail may quote a customer's data
            log.info(
                "message %s: %s (%s)",
                claimed.id,
                outcomes.get(claimed.id),
                error.split(":", 1)[0][:80],
            )
        self._on_recorded(0, outcomes, [])

    def _prepare(
        self, batch: list[ClaimedMessage], details: dict[int, dict]
    ) -> list[OutgoingMessage | RenderError | str]:
        return self.composer.prepare(batch, details)
