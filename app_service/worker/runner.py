"""The worker: a ready tick and N dispatch loops, with a heartbeat and a graceful stop.

Each batch goes: render -> lock its customers (the lock record_consent takes) -> for each
message, begin_send (committed) then its provider call -> complete/fail in chunks -> unlock.
An opt-out waits for sends already under way and suppresses everything after them;
begin_send's committed marker means a worker dying mid-call leaves `send_outcome_unknown` on
the messages it had handed to the provider and not yet recorded (at most COMPLETE_EVERY, some
perhaps delivered), never a second send; messages not yet handed over are retried.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

import psycopg
from psycopg_pool import ConnectionPool

from app_service import consent
from app_service import dispatch_queue as dq
from app_service.db import one, rows
from app_service.links import LinkSigner, link_secret
from app_service.models import ClaimedMessage
from app_service.queries import Q
from app_service.worker import metrics
from app_service.worker.channels.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    TransientSendError,
)
from app_service.worker.ratelimit import SharedRateLimiter
from app_service.worker.render import RenderError, render_many
from app_service.worker.segments import sms_segments

log = logging.getLogger(__name__)
COMPLETE_EVERY = 25  # sends recorded in chunks: a crash leaves at most this many outcome-unknown


@dataclass
class WorkerSettings:
    concurrency: int = 1
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


@dataclass
class Counters:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    dead: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **values: int) -> None:
        with self.lock:
            for k, v in values.items():
                setattr(self, k, getattr(self, k) + v)


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
    ):
        self.pool = pool
        self.channels = channels
        self.limiters = limiters or {}  # channel name -> its sender's shared send rate
        self.settings = settings or WorkerSettings()
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.counters = Counters()
        self.stop = threading.Event()
        self._emit = emit_metrics
        self._stop_requested_at: float | None = None
        self.links = LinkSigner(self.settings.link_secret or link_secret())

    # --- lifecycle ----------------------------------------------------------------------------

    def request_stop(self) -> None:
        """SIGTERM: finish the message in hand, give back the rest of the batch, stop."""
        if self._stop_requested_at is None:
            self._stop_requested_at = time.monotonic()
        self.stop.set()

    def run(self, *, until_idle: bool = False) -> Counters:
        """Run until stopped (or, with until_idle, until nothing is pending)."""
        self._beat("running")
        loops = [
            threading.Thread(
                target=self._dispatch_loop, args=(until_idle,), name=f"dispatch-{i}", daemon=True
            )
            for i in range(self.settings.concurrency)
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
            (oldest,) = one(conn, Q.oldest_ready_age)
        values = {
            "OldestReadyMessageAgeSeconds": (float(oldest), "Seconds"),
            "ExpiredLeases": (float(reclaimed), "Count"),
            "MessagesMadeReady": (float(ready), "Count"),
            "WorkerHeartbeat": (1.0, "Count"),
        }
        if self._emit:
            self._emit(values)
        return {k: v for k, (v, _) in values.items()}

    def _beat(self, state: str) -> None:
        try:
            with self.pool.connection() as conn:
                (drain,) = one(conn, Q.heartbeat, {
                    "worker": self.name, "host": socket.gethostname(), "pid": os.getpid(),
                    "sent": self.counters.sent, "failed": self.counters.failed, "state": state,
                })  # fmt: skip
        except psycopg.OperationalError:
            log.warning("heartbeat: database unavailable")
            return
        if drain is not None and not self.stop.is_set():
            log.info("drain requested by an operator at %s: stopping", drain)
            self.request_stop()

    # --- dispatch ------------------------------------------------------------------------------

    def _dispatch_loop(self, until_idle: bool) -> None:
        while not self.stop.is_set():
            try:
                with self.pool.connection() as conn:
                    batch = dq.claim(conn, self.name, self.settings.batch, self.settings.lease)
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
        """One batch: render all, lock their customers (the lock record_consent takes), mark
        them being sent in one commit, call the provider for each, record the results in
        chunks. A stop mid-batch clears the marks of the messages not yet handed over."""
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
        try:
            self._send_all(conn, ready)
        finally:
            one(conn, Q.customer_send_unlock_all)

    def _send_all(
        self,
        conn: psycopg.Connection,
        to_send: list[tuple[ClaimedMessage, OutgoingMessage, Channel]],
    ) -> None:
        sent: list[tuple[int, str | None, int | None]] = []
        failures: list[tuple[ClaimedMessage, str, bool]] = []
        unreachable: list[tuple[ClaimedMessage, str]] = []
        for i, (claimed, outgoing, channel) in enumerate(to_send):
            limiter = self.limiters.get(claimed.channel)
            if self.stop.is_set() or (limiter is not None and not limiter.acquire(self.stop)):
                rest = [c.id for c, _, _ in to_send[i:]]
                (abandoned,) = one(conn, Q.abandon_sends, {"worker": self.name, "ids": rest})
                log.info("stopping: gave back %s messages not yet sent", abandoned)
                break
            # the send marker, committed just before this message's provider call: a crash
            # leaves `send_outcome_unknown` only on messages really handed over, and every
            # message not yet handed over is retried
            (verdict,) = one(conn, Q.begin_send_many, {"worker": self.name, "ids": [claimed.id]})[
                1:
            ]
            if verdict != "send":  # lease lost, opted out, or over the frequency cap
                continue
            start = time.monotonic()
            try:
                result = channel.send(outgoing)
            except TransientSendError as exc:
                failures.append((claimed, str(exc), False))
                continue
            except PermanentSendError as exc:
                failures.append((claimed, str(exc), True))
                unreachable.append((claimed, str(exc)))
                continue
            except Exception as exc:  # a channel's bug: the provider may have the message, so
                # it fails for good (at most once) and the batch goes on
                failures.append((claimed, f"send_error: {type(exc).__name__}", True))
                continue
            segments = sms_segments(outgoing.body).count if outgoing.channel == "sms" else None
            sent.append((claimed.id, result.provider_message_id, segments))
            if self._emit:
                self._emit(
                    {"SendLatencyMilliseconds": ((time.monotonic() - start) * 1000, "Milliseconds")}
                )
            if len(sent) >= COMPLETE_EVERY:  # bound what a crash would leave as outcome-unknown
                self._complete(conn, sent)
                sent = []
        self._complete(conn, sent)
        self._record_failures(conn, failures)
        for claimed, error in unreachable:  # the provider refused the recipient for good
            consent.record(
                conn, claimed.customer_id, claimed.channel, "unreachable", "provider", error[:200]
            )

    def _complete(
        self, conn: psycopg.Connection, sent: list[tuple[int, str | None, int | None]]
    ) -> None:
        if not sent:
            return
        ids, provider_ids, segments = (list(x) for x in zip(*sent, strict=True))
        done = dq.complete(conn, self.name, ids, provider_ids, segments)
        self.counters.add(sent=len(done))
        if self._emit:
            self._emit({"MessagesSent": (float(len(done)), "Count")})

    def _record_failures(
        self, conn: psycopg.Connection, failures: list[tuple[ClaimedMessage, str, bool]]
    ) -> None:
        for claimed, error, permanent in failures:
            self._record_failure(conn, claimed, error, permanent=permanent)

    def _record_failure(
        self, conn: psycopg.Connection, claimed: ClaimedMessage, error: str, *, permanent: bool
    ) -> None:
        outcome = dq.fail(conn, self.name, [(claimed.id, error, permanent)]).get(claimed.id)
        if outcome == "retry":
            self.counters.add(retried=1)
        elif outcome == "dead":
            self.counters.add(dead=1, failed=1)
        elif outcome == "failed":
            self.counters.add(failed=1)
        # the category only: a template error's detail may quote a customer's data
        log.info("message %s: %s (%s)", claimed.id, outcome, error.split(":", 1)[0][:80])
        if self._emit and outcome:
            name = {"retry": "MessagesRetried", "dead": "MessagesDead", "failed": "MessagesFailed"}[
                outcome
            ]
            self._emit({name: (1.0, "Count")})

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


def _where(exc: BaseException) -> str:
    """file:line where `exc` was raised: enough to find a bug, without its message (which may
    carry customer data)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    return f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
