"""A fault-injecting channel for tests: wraps another and throttles, fails or slows it."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from app_service.worker.channels.base import (
    Channel,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)


@dataclass
class Faults:
    transient_rate: float = 0.0  # throttling / 5xx
    permanent_rate: float = 0.0  # invalid number, suppressed address
    timeout_rate: float = 0.0
    delay_seconds: float = 0.0  # every send is this slow
    throttle_until: float = 0.0  # time.monotonic() before which every send is throttled
    seed: int = 0


class FaultyChannel:
    def __init__(self, inner: Channel, faults: Faults):
        self.name = inner.name
        self.sender = getattr(inner, "sender", inner.name)
        self._inner = inner
        self._faults = faults
        self._rng = random.Random(faults.seed)
        self.calls = 0

    def send(self, message: OutgoingMessage) -> SendResult:
        self.calls += 1
        f = self._faults
        if f.delay_seconds:
            time.sleep(f.delay_seconds)
        if time.monotonic() < f.throttle_until:
            raise TransientSendError("throttled")
        roll = self._rng.random()
        if roll < f.transient_rate:
            raise TransientSendError("injected 503")
        if roll < f.transient_rate + f.permanent_rate:
            raise PermanentSendError("injected invalid destination")
        if roll < f.transient_rate + f.permanent_rate + f.timeout_rate:
            raise TransientSendError("injected timeout")
        return self._inner.send(message)
