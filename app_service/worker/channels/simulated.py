"""A provider simulator: a channel that behaves like SES or End User Messaging from inside a
region, for watching the worker at speed locally and for benchmarks against a realistic
provider rather than a zero-cost fake.

- Latency per call drawn from a log-normal distribution fitted to a p50 and a p99 (the usual
  shape of API latencies: a tight body and a long tail).
- Throttling above an accepted rate (a token bucket shared by every thread of the process),
  answered the way AWS does: a transient error, after the same latency.
- Transient (503) and permanent (invalid destination) failures at given rates.
- Every accepted send is also written to the local outbox, so what "went out" can be read
  with `reminderly outbox`, and duplicates are visible.

`reminderly worker --channel simulated --sim-p50-ms 50 --sim-p99-ms 250 --sim-rate 1000`.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass

from app_service.worker.channels.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

Z99 = 2.3263478740408408
"""The standard normal's 99th percentile: p99 = p50 * exp(Z99 * sigma) for a log-normal."""


@dataclass(frozen=True)
class Simulation:
    p50_ms: float = 50.0
    p99_ms: float = 250.0
    accepted_rate: float | None = None
    """Sends per second the provider accepts before throttling; None: no limit."""
    transient_rate: float = 0.0
    permanent_rate: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0 < self.p50_ms <= self.p99_ms:
            raise ValueError("the simulated latency needs 0 < p50 <= p99")
        if not 0 <= self.transient_rate + self.permanent_rate <= 1:
            raise ValueError("the simulated failure rates must add up to at most 1")
        if self.accepted_rate is not None and self.accepted_rate <= 0:
            raise ValueError("the simulated accepted rate must be positive")

    @property
    def sigma(self) -> float:
        return math.log(self.p99_ms / self.p50_ms) / Z99

    @property
    def mean_ms(self) -> float:
        """The distribution's mean latency (what a closed loop's throughput depends on)."""
        return self.p50_ms * math.exp(self.sigma**2 / 2)


class SimulatedChannel:
    """Wraps a recording channel (the outbox) with a simulated provider's behaviour."""

    def __init__(self, inner: Channel, simulation: Simulation, *, name: str | None = None):
        self.name = name or inner.name
        self.sender = f"simulated-{getattr(inner, 'sender', inner.name)}"
        self._inner = inner
        self._sim = simulation
        self._rng = random.Random(simulation.seed)
        self._rng_lock = threading.Lock()
        self._bucket_lock = threading.Lock()
        self._tokens = simulation.accepted_rate or 0.0
        self._refilled = time.monotonic()
        self.throttled = 0

    def _draw(self) -> tuple[float, float]:
        with self._rng_lock:
            latency = self._sim.p50_ms * math.exp(self._rng.gauss(0.0, self._sim.sigma))
            return latency / 1000.0, self._rng.random()

    def _admit(self) -> bool:
        rate = self._sim.accepted_rate
        if rate is None:
            return True
        with self._bucket_lock:
            now = time.monotonic()
            self._tokens = min(rate, self._tokens + (now - self._refilled) * rate)
            self._refilled = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            self.throttled += 1
            return False

    def send(self, message: OutgoingMessage) -> SendResult:
        """The provider judges the call as it arrives and answers after the drawn latency; its
        own recording (the outbox write) happens within that latency, not on top of it."""
        start = time.monotonic()
        latency, roll = self._draw()
        error: Exception | None = None
        result = None
        if not self._admit():
            error = TransientSendError("simulated throttling: rate exceeded")
        elif roll < self._sim.transient_rate:
            error = TransientSendError("simulated 503")
        elif roll < self._sim.transient_rate + self._sim.permanent_rate:
            error = PermanentSendError("simulated invalid destination")
        else:
            result = self._inner.send(message)
        time.sleep(max(0.0, latency - (time.monotonic() - start)))  # the rest of the round trip
        if error is not None:
            raise error
        return SendResult(provider_message_id=f"sim-{result.provider_message_id}")
