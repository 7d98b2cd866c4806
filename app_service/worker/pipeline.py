"""The parts of the worker that keep many provider calls in flight at once.

- `Window`: the bounded number of messages a process has marked as being sent and not yet
  recorded. A slot is taken before the send marker is committed and given back only once the
  provider's answer is committed, so a crash leaves at most the window's size as
  `send_outcome_unknown`.
- `BatchSends`: what one dispatch loop has handed over from its batch; the loop waits on it
  before it lets go of its customers' send locks (an opt-out waits for the sends under way).
- `Recorder`: one thread with its own connection that commits the answers as they come, each
  flush taking everything that arrived meanwhile (one round trip for many answers).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from app_service import dispatch_queue as dq
from app_service.models import ClaimedMessage

log = logging.getLogger(__name__)


class Window:
    """A counting semaphore that hands out as many slots as are free, up to a number."""

    def __init__(self, size: int):
        self.size = size
        self._free = size
        self._cond = threading.Condition()

    def acquire(self, wanted: int, stop: threading.Event, timeout: float = 0.2) -> int:
        """At least one slot (and up to `wanted`), or 0 when `stop` is set."""
        with self._cond:
            while self._free == 0:
                if stop.is_set():
                    return 0
                self._cond.wait(timeout)
            got = min(wanted, self._free)
            self._free -= got
            return got

    def release(self, n: int) -> None:
        if n <= 0:
            return
        with self._cond:
            self._free += n
            self._cond.notify_all()

    @property
    def in_use(self) -> int:
        with self._cond:
            return self.size - self._free


@dataclass
class Answer:
    """A provider's answer to one call, to be recorded."""

    batch: BatchSends
    claimed: ClaimedMessage
    provider_id: str | None = None
    segments: int | None = None
    error: str | None = None
    permanent: bool = False
    unreachable: bool = False
    latency_ms: float = 0.0


@dataclass
class BatchSends:
    """The sends one dispatch loop handed over and whose answers are not recorded yet."""

    outstanding: int = 0
    unreachable: list[tuple[ClaimedMessage, str]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def handed(self, n: int) -> None:
        with self.cond:
            self.outstanding += n

    def recorded(self, answers: list[Answer]) -> None:
        with self.cond:
            self.outstanding -= len(answers)
            self.unreachable.extend((a.claimed, a.error or "") for a in answers if a.unreachable)
            self.cond.notify_all()

    def wait(self) -> None:
        with self.cond:
            while self.outstanding > 0:
                self.cond.wait(1.0)


class Recorder:
    """Commits answers in groups: complete_messages for the sent, fail_messages for the rest
    (only messages still leased to this worker change: an expired lease records nothing).
    It has its own connection, never one of the pool's: the dispatch loops hold theirs while
    they wait for their answers to be recorded."""

    def __init__(
        self,
        pool: ConnectionPool,
        worker: str,
        window: Window,
        on_recorded: Callable[[int, dict[int, str], list[Answer]], None],
        *,
        give_up_seconds: float = 60.0,
    ):
        self.pool = pool
        self.worker = worker
        self.window = window
        self.on_recorded = on_recorded  # (sent, {id: retry|dead|failed}, answers): counters
        self.give_up_seconds = give_up_seconds
        self._conn: psycopg.Connection | None = None
        self._queue: queue.SimpleQueue[Answer | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    def put(self, answer: Answer) -> None:
        self._queue.put(answer)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._conn is not None:
            self._conn.close()

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = psycopg.connect(
                self.pool.conninfo,
                autocommit=True,
                row_factory=dict_row,
                application_name="reminderly-recorder",
            )
        return self._conn

    def _run(self) -> None:
        closing = False
        while not closing:
            first = self._queue.get()
            answers = [] if first is None else [first]
            closing = first is None
            while True:  # everything that arrived meanwhile, in one flush
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    closing = True
                else:
                    answers.append(more)
            if answers:
                self._flush(answers)

    def _flush(self, answers: list[Answer]) -> None:
        deadline = time.monotonic() + self.give_up_seconds
        sent = [a for a in answers if a.error is None]
        failed = [a for a in answers if a.error is not None]
        outcomes: dict[int, str] = {}
        done: set[int] = set()
        while True:
            try:
                conn = self._connection()
                if sent:
                    done = dq.complete(
                        conn,
                        self.worker,
                        [a.claimed.id for a in sent],
                        [a.provider_id for a in sent],
                        [a.segments for a in sent],
                    )
                    sent = []
                if failed:
                    outcomes = dq.fail(
                        conn,
                        self.worker,
                        [(a.claimed.id, a.error or "", a.permanent) for a in failed],
                    )
                break
            except psycopg.OperationalError as exc:
                # the database blinked: the answers stay in hand (their slots too) until it is
                # back, or until their leases are long gone (the reclaim judged them by then)
                if time.monotonic() > deadline:
                    log.warning(
                        "recorder: gave up on %s answers (%s)", len(answers), type(exc).__name__
                    )
                    break
                time.sleep(0.5)
            except Exception as exc:  # a bug or bad data: the leases expire, and the reclaim
                # fails these as send_outcome_unknown (at most once); the slots still come back
                log.error(
                    "recorder: unexpected %s; %s answers left to the reclaim",
                    type(exc).__name__,
                    len(answers),
                )
                break
        for a in failed:
            status = outcomes.get(a.claimed.id)
            # the category only: an error's detail may quote a customer's data
            log.info(
                "message %s: %s (%s)", a.claimed.id, status, (a.error or "").split(":", 1)[0][:80]
            )
        self.on_recorded(len(done), outcomes, answers)
        self.window.release(len(answers))
        by_batch: dict[int, tuple[BatchSends, list[Answer]]] = {}
        for a in answers:
            by_batch.setdefault(id(a.batch), (a.batch, []))[1].append(a)
        for batch, theirs in by_batch.values():
            batch.recorded(theirs)
