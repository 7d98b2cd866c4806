"""Per-address limits for what comes before an API key is known: requests without a key, and
sign-in attempts (a failed key, a dashboard sign-in).

The counts live in the process (fixed one-minute windows), not in the database: the point is
to refuse a flood before it costs a database round trip. Each API process counts alone, so
the platform-wide limit is the per-process one times the number of processes; the load
balancer's own limits sit in front of it. The address is the socket's peer, or the client
address the load balancer added to X-Forwarded-For when REMINDERLY_PROXY_HOPS says how many
proxies to trust (api/__init__.py applies werkzeug's ProxyFix)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

WINDOW_SECONDS = 60
MAX_TRACKED = 100_000  # addresses per bucket before old windows are dropped


@dataclass
class Bucket:
    """At most `limit` events per address per window."""

    limit: int
    _counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _window(self, now: float) -> int:
        return int(now // WINDOW_SECONDS)

    def retry_after(self, address: str, now: float | None = None) -> int:
        """Seconds until `address` may go on (0: now), without counting anything."""
        now = time.time() if now is None else now
        window = self._window(now)
        with self._lock:
            seen = self._counts.get(address)
        if seen is None or seen[0] != window or seen[1] < self.limit:
            return 0
        return max(1, int((window + 1) * WINDOW_SECONDS - now))

    def hit(self, address: str, now: float | None = None) -> int:
        """Count one event; the seconds to wait when this one is over the limit, else 0."""
        now = time.time() if now is None else now
        window = self._window(now)
        with self._lock:
            if len(self._counts) >= MAX_TRACKED:
                self._counts = {a: c for a, c in self._counts.items() if c[0] == window}
                if len(self._counts) >= MAX_TRACKED:
                    self._counts.clear()
            seen = self._counts.get(address)
            n = seen[1] + 1 if seen is not None and seen[0] == window else 1
            self._counts[address] = (window, n)
        if n <= self.limit:
            return 0
        return max(1, int((window + 1) * WINDOW_SECONDS - now))


@dataclass
class AddressLimits:
    """The buckets of one app: requests without a key, and failed or dashboard sign-ins."""

    keyless: Bucket
    sign_in: Bucket

    @classmethod
    def from_config(cls, keyless_per_minute: int, sign_in_per_minute: int) -> AddressLimits:
        return cls(Bucket(keyless_per_minute), Bucket(sign_in_per_minute))
