"""Provider send rates shared by every worker through the database (send_rate_limits).

A worker takes tokens in small chunks (one round trip per chunk, not per message) and keeps
them for the sends of its batch; when the bucket is empty it sleeps until the next token.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from psycopg_pool import ConnectionPool

from app_service import send_rates


@dataclass(frozen=True)
class SendRate:
    key: str  # the sender identity: "sms:<pool id>", "email:<SES identity>"
    per_second: float
    burst: float = 1.0


class SharedRateLimiter:
    def __init__(self, pool: ConnectionPool, rate: SendRate, *, chunk: int = 10):
        self.pool = pool
        self.rate = rate
        self.chunk = max(1, min(chunk, int(rate.burst)))
        self._held = 0
        self._lock = threading.Lock()
        with pool.connection() as conn:
            send_rates.configure(conn, rate.key, rate.per_second, rate.burst)

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Block until one send is allowed; False if `stop` was set meanwhile."""
        with self._lock:
            while self._held == 0:
                with self.pool.connection() as conn:
                    granted, wait = send_rates.take_tokens(conn, self.rate.key, self.chunk)
                self._held += granted
                if self._held == 0:
                    if stop is not None and stop.wait(max(wait, 0.001)):
                        return False
                    if stop is None:
                        time.sleep(max(wait, 0.001))
            self._held -= 1
            return True

    def try_acquire(self) -> bool:
        """One send allowed now, without waiting (one round trip when none are held)."""
        with self._lock:
            if self._held == 0:
                with self.pool.connection() as conn:
                    granted, _ = send_rates.take_tokens(conn, self.rate.key, self.chunk)
                self._held += granted
            if self._held == 0:
                return False
            self._held -= 1
            return True

    def release_unused(self) -> None:
        """Tokens taken but not used stay unused (a bucket refills on its own): just forget them,
        so a stopping worker holds none."""
        with self._lock:
            self._held = 0
