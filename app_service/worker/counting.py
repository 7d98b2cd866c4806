"""What the worker counts: its totals, the outcomes since the last tick (published as one
metrics line a tick, not one a send), its send rate over the last minute, and the time the
ready backlog takes to drain at that rate (the autoscaling metric)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field


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
            out = {
                k: float(getattr(self, k))
                for k in ("sent", "retried", "failed", "dead", "calls", "latency_ms")
            }
            self.sent = self.retried = self.failed = self.dead = self.calls = 0
            self.latency_ms = 0.0
        return out


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


class RateMeter:
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
