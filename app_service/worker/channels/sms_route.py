"""A second SMS route: when the primary origination (the platform's pool) is throttled or
failing beyond a share of its calls for long enough, send from a secondary origination
identity instead, and go back once the primary answers again (probed with one message now and
then while on the secondary). Messages sent from an account's own origination identity keep
it: that number is the account's, not the platform's to swap.

Each worker process judges from its own calls (no coordination needed: every process sees
the same provider). Every switch is logged and counted (`SmsRouteSwitches`), and the route
in use is published (`SmsRouteOnSecondary`, 1 while on the secondary) for the alarm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from app_service.worker.channels.base import (
    Channel,
    OutgoingMessage,
    SendResult,
    TransientSendError,
)
from deploy_contract import metrics as M

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutePolicy:
    failure_share: float = 0.5
    """Share of the primary's calls throttled or failing transiently that counts as failing."""
    sustained_seconds: float = 60.0
    """How long the primary must keep failing beyond the share before the switch."""
    min_calls: int = 20
    """Calls in that time below which nothing is judged (too few to tell)."""
    probe_every_seconds: float = 15.0
    """While on the secondary: one message through the primary this often."""
    probes_to_recover: int = 3
    """Probes in a row the primary must accept before going back to it."""

    def __post_init__(self) -> None:
        if not 0 < self.failure_share <= 1:
            raise ValueError("failure_share must be in (0, 1]")
        if self.sustained_seconds <= 0 or self.probe_every_seconds <= 0:
            raise ValueError("the route's periods must be positive")
        if self.min_calls < 1 or self.probes_to_recover < 1:
            raise ValueError("min_calls and probes_to_recover must be at least 1")


class RoutedSmsChannel:
    """Wraps the SMS channel: each message goes out from the primary or the secondary
    origination identity (the wrapped channel sends from `message.origination` when set)."""

    name = "sms"

    def __init__(
        self,
        inner: Channel,
        *,
        primary: str,
        secondary: str,
        policy: RoutePolicy | None = None,
        emit: Callable[[dict], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._inner = inner
        self.primary, self.secondary = primary, secondary
        self.sender = primary  # the shared rate of the platform's route
        self.policy = policy or RoutePolicy()
        self._emit = emit
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: deque[tuple[float, bool]] = deque()  # the primary's (time, failed)
        self._failing_since: float | None = None
        self.on_secondary = False
        self._last_probe = 0.0
        self._probe_streak = 0
        self.switches = 0

    def send(self, message: OutgoingMessage) -> SendResult:
        if message.origination is not None:  # an account's own number: never swapped
            return self._inner.send(message)
        use_primary = self._choose()
        origination = self.primary if use_primary else self.secondary
        try:
            result = self._inner.send(replace(message, origination=origination))
        except TransientSendError:
            if use_primary:
                self._observe(failed=True)
            raise
        if use_primary:
            self._observe(failed=False)
        return result

    def _choose(self) -> bool:
        """True: this message goes through the primary (normally, or as a probe)."""
        with self._lock:
            if not self.on_secondary:
                return True
            now = self._clock()
            if now - self._last_probe >= self.policy.probe_every_seconds:
                self._last_probe = now
                return True
            return False

    def _observe(self, *, failed: bool) -> None:
        p = self.policy
        with self._lock:
            now = self._clock()
            if self.on_secondary:  # a probe's answer
                self._probe_streak = 0 if failed else self._probe_streak + 1
                if self._probe_streak >= p.probes_to_recover:
                    self._switch(False, f"{self._probe_streak} probes accepted")
                return
            self._calls.append((now, failed))
            while self._calls and self._calls[0][0] < now - p.sustained_seconds:
                self._calls.popleft()
            share = sum(f for _, f in self._calls) / len(self._calls)
            if len(self._calls) >= p.min_calls and share >= p.failure_share:
                if self._failing_since is None:
                    self._failing_since = now
                elif now - self._failing_since >= p.sustained_seconds:
                    self._switch(True, f"{share:.0%} of {len(self._calls)} calls failing")
            else:
                self._failing_since = None

    def _switch(self, to_secondary: bool, why: str) -> None:
        self.on_secondary = to_secondary
        self.switches += 1
        self._calls.clear()
        self._failing_since = None
        self._probe_streak = 0
        self._last_probe = self._clock()
        log.warning(
            "sms route: switched to the %s origination (%s)",
            "secondary" if to_secondary else "primary",
            why,
        )
        if self._emit:
            self._emit(
                {
                    M.SMS_ROUTE_SWITCHES: (1.0, "Count"),
                    M.SMS_ROUTE_ON_SECONDARY: (float(to_secondary), "Count"),
                }
            )

    def metrics(self) -> dict[str, tuple[float, str]]:
        """The route in use, for the worker's tick."""
        return {M.SMS_ROUTE_ON_SECONDARY: (float(self.on_secondary), "Count")}
