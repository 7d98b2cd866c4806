"""The primary's newest committed write, published into the DR region for the drill there.

The weekly drill runs in the DR region and cannot reach the primary's database (isolated
subnets, another region). So the primary's workers publish the time of their newest committed
heartbeat (a write every few seconds, on an idle system too) to an SSM parameter in the DR
region (naming.last_write_parameter), at most every `every_seconds`; the drill reads it as the
primary's last acknowledged write at the failure instant. The restored database's newest write
counts the same heartbeats (restore_check.latest_write), so RPO compares like with like; it can
read low by at most the publishing interval. A marker older than `stale_after` means the primary
is not publishing (no worker, or the region is gone): the drill then fails instead of reporting
an RPO it cannot know. After a real region loss the marker is also the primary's last sign of
life as the DR region saw it: the failover's RPO is that minus the promoted data's newest write.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

log = logging.getLogger(__name__)
EVERY_SECONDS = 30.0
STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Marker:
    newest_write: datetime
    published_at: datetime


class StaleMarker(RuntimeError):
    """The primary has not published its newest write recently (or ever)."""


class MarkerPublisher:
    """Called with each committed heartbeat's time; puts the parameter at most every
    `every_seconds`. A failed put is logged and retried at the next heartbeat: the worker's
    sending never waits on it."""

    def __init__(
        self,
        ssm: Any,
        parameter: str,
        every_seconds: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.ssm, self.parameter, self.every = ssm, parameter, every_seconds
        self._clock, self._now = clock, now
        self._last: float | None = None

    def __call__(self, newest_write: datetime) -> bool:
        """Publish `newest_write` if the interval has passed; True when it was put."""
        if self._last is not None and self._clock() - self._last < self.every:
            return False
        value = {"newest_write": newest_write.isoformat(), "published_at": self._now().isoformat()}
        try:
            self.ssm.put_parameter(
                Name=self.parameter, Value=json.dumps(value), Type="String", Overwrite=True
            )
        except (BotoCoreError, ClientError) as exc:
            log.warning("last-write marker not published (%s); next heartbeat", type(exc).__name__)
            return False
        self._last = self._clock()
        return True


def read(ssm: Any, parameter: str) -> Marker:
    value = json.loads(ssm.get_parameter(Name=parameter)["Parameter"]["Value"])
    if not value.get("newest_write"):
        raise StaleMarker(f"{parameter} holds no write yet: is the primary's worker running?")
    return Marker(
        datetime.fromisoformat(value["newest_write"]),
        datetime.fromisoformat(value["published_at"]),
    )


def latest_write_reader(
    ssm: Any,
    parameter: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    stale_after: timedelta = STALE_AFTER,
) -> Callable[[], datetime]:
    """What `dr.drill` calls at the failure instant: the marker's newest write, refused when
    older than `stale_after`."""

    def latest() -> datetime:
        marker = read(ssm, parameter)
        age = now() - marker.newest_write
        if age > stale_after:
            raise StaleMarker(
                f"{parameter} is {age.total_seconds():.0f} s old (over "
                f"{stale_after.total_seconds():.0f} s): the primary is not publishing"
            )
        return marker.newest_write

    return latest
