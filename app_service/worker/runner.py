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
from zoneinfo import ZoneInfo

import psycopg
from psycopg_pool import ConnectionPool

from app_service import consent
from app_service import dispatch_queue as dq
from app_service.db import one, rows
from app_service.links import LinkSigner, link_secret
from app_service.models import ClaimedMessage
from app_service.queries import Q
from app_service.sms_segments import sms_segments
from app_service.worker import metrics
from app_service.worker.channels.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
)
from app_service.worker.pipeline import Answer, BatchSends, Recorder, Window
from app_service.worker.ratelimit import SharedRateLimiter
from app_service.worker.render import RenderError, render_many
from deploy_contract import metrics as M

log = logging.getLogger(__name__)


@dataclass
class WorkerSettings:
    concurrency: int | None = None
    """Dispatch loops (batches prepared and handed over at once); None: enough to keep the
    window full (2 x inflight / batch + 1, at least 2)."""
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
    public_url: str = field(
        default_factory=lambda: os.environ.get("REMINDERLY_PUBLIC_URL", "http://localhost:8080")
    )
    link_secret: str | None = None
    """Signs the links in messages (REMINDERLY_LINK_SECRET, else the local data folder's)."""
    analytics_every_seconds: float = 24 * 3600
    """How often customer scores are recomputed (one worker does it; the others find them fresh)."""

    @property
    def window(self) -> int:
        """Messages marked as being sent and not yet recorded, at most: the calls in flight
        and a quarter more being marked or recorded around them (so that the provider always
        has `inflight` calls while those round trips run). What a crash can leave unknown."""
        return self.inflight + max(2, self.inflight // 4)


@dataclass
class Counters:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    dead: int = 0
    marker_commits: int = 0
    marker_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **values: float) -> None:
        with self.lock:
            for k, v in values.items():
                setattr(self, k, getattr(self, k) + v)


@dataclass
class Tally:
    """Outcomes since the tick last published them (one metrics line a tick, not one a send)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    dead: int = 0
    calls: int = 0
    latency_ms: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **values: float) -> None:
        with self.lock:
            for k, v in values.items():
                setattr(self, k, getattr(self, k) + v)

    def take(self) -> dict[str, float]:
        with self.lock:
            out = {k: float(getattr(self, k)) for k in
                   ("sent", "retried", "failed", "dead", "calls", "latency_ms")}  # fmt: skip
            self.sent = self.retried = self.failed = self.dead = self.calls = 0
            self.latency_ms = 0.0
        return out


class Worker:
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
        self._rate = _RateMeter()
        self.stop = threading.Event()
        self._emit = emit_metrics
        self._on_beat = on_beat  # a committed heartbeat's time (the DR last-write marker)
        self._stop_requested_at: float | None = None
        self.links = LinkSigner(self.settings.link_secret or link_secret())

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
        self.recorder = Recorder(self.pool, self.name, self.window, self._on_recorded,
                                 give_up_seconds=self.settings.lease.total_seconds())  # fmt: skip
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

    # --- the ready tick, heartbeat and metrics -------------------------------------------------

    def _tick_loop(self, until_idle: bool) -> None:
        last_beat = 0.0
        next_scores = time.monotonic() + self.settings.analytics_every_seconds
        while not self.stop.is_set():
            try:
                self.tick()
                if time.monotonic() >= next_scores:
                    self.refresh_scores()
                    self.purge_audit_log()
                    next_scores = time.monotonic() + self.settings.analytics_every_seconds
                if time.monotonic() - last_beat >= self.settings.heartbeat_seconds:
                    self._beat("draining" if self.stop.is_set() else "running")
                    last_beat = time.monotonic()
            except psycopg.OperationalError as exc:
                log.warning("tick: database unavailable (%s); retrying", type(exc).__name__)
            except Exception as exc:  # the tick must outlive any one failure
                log.error("tick: unexpected %s at %s", type(exc).__name__, _where(exc))
            self.stop.wait(self.settings.tick_seconds)

    def purge_audit_log(self) -> int:
        """The audit log's retention, applied daily with the scores (idempotent: any worker)."""
        from app_service.people import audit

        with self.pool.connection() as conn:
            return audit.purge(conn)

    def refresh_scores(self) -> int:
        """Recompute every account's customer scores, unless another worker is doing it or did
        it within the period. Returns how many accounts were scored."""
        from app_service import analytics

        with self.pool.connection() as conn, conn.transaction():
            if not one(conn, Q.try_analytics_lock)[0]:
                return 0
            (fresh,) = one(conn, Q.scores_fresh, {"seconds": self.settings.analytics_every_seconds})
            if fresh:
                return 0
            accounts = [r["id"] for r in rows(conn, Q.account_ids)]
            for account in accounts:
                analytics.refresh_scores(conn, account)
        log.info("customer scores refreshed for %s accounts", len(accounts))
        return len(accounts)

    def tick(self) -> dict[str, float]:
        """Reclaim expired leases, make due messages ready, advance packets, publish metrics."""
        with self.pool.connection() as conn:
            reclaimed = dq.reclaim_expired_leases(conn)
            dq.fail_stale_loads(conn)
            dq.purge_drafts(conn)
            ready = dq.mark_ready(conn)
            dq.refresh_packet_states(conn)
            backlog = one(conn, Q.dispatch_backlog)
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
                drain, beat_at = one(conn, Q.heartbeat, {
                    "worker": self.name, "host": socket.gethostname(), "pid": os.getpid(),
                    "sent": self.counters.sent, "failed": self.counters.failed, "state": state,
                })  # fmt: skip
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
        if self.settings.concurrency:
            return self.settings.concurrency
        wanted = max(2, -(-2 * self.settings.inflight // self.settings.batch) + 1)
        return max(1, min(wanted, self.pool.max_size - 1))  # one connection left for the tick

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
                log.error("dispatch: unexpected %s at %s; carrying on", type(exc).__name__,
                          _where(exc))  # fmt: skip
                self.stop.wait(1.0)

    def _pending(self, conn: psycopg.Connection) -> bool:
        (n,) = one(conn, Q.pending_soon)
        return n > 0

    def _dispatch_batch(self, conn: psycopg.Connection, batch: list[ClaimedMessage]) -> None:
        """One batch: render all, lock their customers (the lock record_consent takes), then
        hand them to the provider as window slots free up, each group's send markers in one
        commit; the recorder commits the answers. The customers' locks are let go only once
        every send handed over is recorded. A stop gives back what was not handed over."""
        if self.stop.is_set():
            (released,) = one(
                conn, Q.release_leases, {"worker": self.name, "ids": [m.id for m in batch]}
            )
            log.info("stopping: released %s leases", released)
            return
        details = {
            r["id"]: r for r in rows(conn, Q.message_for_send, {"ids": [m.id for m in batch]})
        }
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
        one(
            conn,
            Q.customer_send_locks,
            {"customer_ids": sorted({c.customer_id for c, _, _ in ready})},
        )
        sends = BatchSends()
        try:
            self._hand_over(conn, ready, sends)
        finally:
            sends.wait()  # an opt-out waits for the sends under way: the locks outlive them
            try:
                for claimed, error in sends.unreachable:  # refused for good by the provider
                    consent.record(conn, claimed.customer_id, claimed.channel, "unreachable",
                                   "provider", error[:200])  # fmt: skip
            finally:
                one(conn, Q.customer_send_unlock_all)

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
                verdicts = {r["id"]: r["verdict"] for r in rows(
                    conn, Q.begin_send_many, {"worker": self.name, "ids": [c.id for c, _, _ in allowed]}
                )}  # fmt: skip
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
            (abandoned,) = one(conn, Q.abandon_sends, {"worker": self.name, "ids": rest})
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
        self, sends: BatchSends, claimed: ClaimedMessage, outgoing: OutgoingMessage,
        channel: Channel,
    ) -> None:  # fmt: skip
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
        self.tally.add(sent=sent, retried=retried, dead=dead, failed=failed, calls=len(answers),
                       latency_ms=sum(a.latency_ms for a in answers))  # fmt: skip

    def _record_failures(
        self, conn: psycopg.Connection, failures: list[tuple[ClaimedMessage, str, bool]]
    ) -> None:
        if not failures:
            return
        outcomes = dq.fail(conn, self.name, [(c.id, e, p) for c, e, p in failures])
        for claimed, error, _ in failures:
            # the category only: a template error's detail may quote a customer's data
            log.info("message %s: %s (%s)", claimed.id, outcomes.get(claimed.id),
                     error.split(":", 1)[0][:80])  # fmt: skip
        self._on_recorded(0, outcomes, [])

    def _prepare(
        self, batch: list[ClaimedMessage], details: dict[int, dict]
    ) -> list[OutgoingMessage | RenderError | str]:
        """Each message's OutgoingMessage, or the RenderError that fails it for good, or (a
        str) why the renderer could not run, which a retry may cure. The batch's bodies and
        subjects render in one round trip to the sandbox; nothing one message does (its
        template, its data) can raise past this."""
        fields: dict[int, dict] = {}
        made: dict[int, OutgoingMessage | RenderError | str] = {}
        for claimed in batch:
            try:
                fields[claimed.id] = self._fields(details[claimed.id])
            except Exception as exc:
                made[claimed.id] = RenderError(
                    "error", f"the merge fields could not be prepared ({type(exc).__name__})"
                )
        jobs: list[tuple[str, dict]] = []
        for mid, f in fields.items():
            d = details[mid]
            jobs.append((d["template"], f))
            if d["channel"] == "email":
                jobs.append((d["subject"] or "", f))
        try:
            texts = iter(render_many(jobs))
        except Exception as exc:  # RendererUnavailable, or a bug of the pool: retry later
            for mid in fields:
                made[mid] = f"renderer unavailable ({type(exc).__name__})"
            return [made[c.id] for c in batch]
        for mid in fields:
            d = details[mid]
            body = next(texts)
            subject = next(texts) if d["channel"] == "email" else None
            try:
                made[mid] = self._outgoing(d, body, subject)
            except RenderError as exc:
                made[mid] = exc
            except Exception as exc:
                made[mid] = RenderError(
                    "error", f"the message could not be built ({type(exc).__name__})"
                )
        return [made[c.id] for c in batch]

    def _fields(self, d: dict) -> dict:
        tz = ZoneInfo(d["timezone"])
        local = d["starts_at"].astimezone(tz)
        fields = {
            **(d["merge_fields"] or {}),
            "first_name": d["first_name"], "last_name": d["last_name"],
            "appointment_at": local.strftime("%a %b %-d at %-I:%M %p"),
            "appointment_date": local.strftime("%A, %B %-d"), "appointment_time": local.strftime("%-I:%M %p"),
            "location": d["location_name"],
        }  # fmt: skip
        # the survey page or the review site, through a signed link that records the click
        # (and is the same for every recipient: no one is routed by their predicted rating)
        tracked = self.links.url(self.settings.public_url, d["id"], "r")
        fields["survey_url"] = tracked
        if d["review_url"]:
            fields["review_url"] = tracked
        return {k: v for k, v in fields.items() if v is not None}

    def _outgoing(
        self, d: dict, body: str | RenderError, subject: str | RenderError | None
    ) -> OutgoingMessage:
        """The message to send, from its rendered body (and subject); a RenderError of either
        fails it."""
        for text in (body, subject):
            if isinstance(text, RenderError):
                raise text
        assert isinstance(body, str)
        if d["channel"] == "sms":
            if not d["phone"]:
                raise RenderError("recipient", "the customer has no phone number")
            return OutgoingMessage(
                d["id"], d["account_id"], "sms", d["phone"], body,
                origination=d.get("sms_origination"),
            )  # fmt: skip
        if not d["email"]:
            raise RenderError("recipient", "the customer has no email address")
        unsubscribe = self.links.url(self.settings.public_url, d["id"], "u")
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return OutgoingMessage(
            d["id"], d["account_id"], "email", d["email"], body, subject, headers
        )


DRAIN_CEILING_SECONDS = 3600.0
"""The expected drain time when nothing is being sent yet but messages wait."""


def expected_drain_seconds(ready: int, own_rate: float, workers: int) -> float:
    """How long the ready backlog takes at the rate the workers achieve (this one's rate times
    the workers sending: the queue shares the work evenly)."""
    if ready <= 0:
        return 0.0
    fleet = own_rate * max(1, workers)
    if fleet <= 0:
        return DRAIN_CEILING_SECONDS
    return min(DRAIN_CEILING_SECONDS, ready / fleet)


class _RateMeter:
    """Messages sent per second over the last minute, from the tick's counts."""

    def __init__(self, span: float = 60.0):
        self.span = span
        self._points: deque[tuple[float, float]] = deque()

    def add(self, sent: float) -> None:
        now = time.monotonic()
        self._points.append((now, sent))
        while self._points and self._points[0][0] < now - self.span:
            self._points.popleft()

    def per_second(self) -> float:
        if len(self._points) < 2:
            return 0.0
        elapsed = self._points[-1][0] - self._points[0][0]
        return sum(n for _, n in list(self._points)[1:]) / elapsed if elapsed > 0 else 0.0


def _where(exc: BaseException) -> str:
    """file:line where `exc` was raised: enough to find a bug, without its message (which may
    carry customer data)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    return f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
