"""Per-address limits for what comes before an API key is known: requests without a key, and
sign-in attempts (a failed key, a dashboard sign-in).

The counts are shared by every API process: they live in PostgreSQL (api_address_windows,
fixed one-minute windows on the database's clock), like the per-key limit, so N processes or
tasks allow the limit once, not N times. Each process also counts locally first: its own count
is a lower bound of the shared one, so an address over the limit in this process alone is
refused with no database round trip, and an address the database has said is over is then
refused locally until its window ends. A flood thus costs at most one round trip per request
until the shared count trips, and none after. Without a database (none configured or
reachable) the local count stands alone. The address is the socket's peer, or the client
address the load balancer added to X-Forwarded-For when REMINDERLY_PROXY_HOPS says how many
proxies to trust (api/__init__.py applies werkzeug's ProxyFix)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import PoolTimeout

from app_service import address_limits

log = logging.getLogger(__name__)

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


Connect = Callable[[], psycopg.Connection]
Counter = Callable[[psycopg.Connection, str, str], "tuple[int, int] | None"]


@dataclass
class SharedBucket:
    """At most `limit` events per address per minute across every process sharing the
    database; `hit` refuses the event past the limit, `retry_after` holds once it is reached
    (a failed sign-in: the limit-th failure already holds the next attempt)."""

    name: str  # the bucket's name in api_address_windows: keyless or sign_in
    local: Bucket
    connect: Connect | None  # the request's connection; None: this process's count only
    _blocked: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def limit(self) -> int:
        return self.local.limit

    def hit(self, address: str) -> int:
        """Count one event; the seconds to wait when it is over the limit, else 0."""
        address = _key(address)
        wait = self._known_blocked(address) or self.local.hit(address)
        if wait:
            return wait
        shared = self._shared(address_limits.hit, address)
        if shared is not None and shared[0] > self.limit:
            return self._block(address, shared[1])
        return 0

    def retry_after(self, address: str) -> int:
        """Seconds until `address` may go on (0: now), counting nothing."""
        address = _key(address)
        wait = self._known_blocked(address) or self.local.retry_after(address)
        if wait:
            return wait
        shared = self._shared(address_limits.count, address)
        if shared is not None and shared[0] >= self.limit:
            return self._block(address, shared[1])
        return 0

    def _shared(self, counter: Counter, address: str) -> tuple[int, int] | None:
        if self.connect is None:
            return None
        from app_service.web.request_db import DatabaseUnavailable

        try:
            return counter(self.connect(), self.name, address)
        except (DatabaseUnavailable, PoolTimeout, psycopg.OperationalError):
            log.warning("per-address limit counted in this process only: no database")
            return None

    def _known_blocked(self, address: str) -> int:
        with self._lock:
            until = self._blocked.get(address)
        if until is None:
            return 0
        left = until - time.time()
        if left <= 0:
            with self._lock:
                self._blocked.pop(address, None)
            return 0
        return max(1, int(left + 0.999))

    def _block(self, address: str, retry_after: int) -> int:
        with self._lock:
            if len(self._blocked) >= MAX_TRACKED:
                now = time.time()
                self._blocked = {a: u for a, u in self._blocked.items() if u > now}
                if len(self._blocked) >= MAX_TRACKED:
                    self._blocked.clear()
            self._blocked[address] = time.time() + retry_after
        return retry_after


def _key(address: str) -> str:
    """The address as stored: at most 64 characters (X-Forwarded-For is the client's text)."""
    return (address or "unknown")[:64]


@dataclass
class AddressLimits:
    """The buckets of one app: requests without a key, and failed or dashboard sign-ins."""

    keyless: SharedBucket
    sign_in: SharedBucket

    @classmethod
    def from_config(
        cls, keyless_per_minute: int, sign_in_per_minute: int, *, shared: bool = True
    ) -> AddressLimits:
        """Buckets counted in the database through the request's connection (shared=False:
        in this process only)."""
        connect: Connect | None = None
        if shared:
            from app_service.web.request_db import connection as connect
        return cls(
            SharedBucket("keyless", Bucket(keyless_per_minute), connect),
            SharedBucket("sign_in", Bucket(sign_in_per_minute), connect),
        )
