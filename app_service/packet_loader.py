"""Background loads of big packets: the API stores a big upload (packets.store_upload) and
answers 202; a worker process takes it here, loads it with the same code as a synchronous load,
and records progress (rows read) as it goes.

A load holds its packet under a lease, renewed while the body is read; once reading is done
the load's own transaction holds the packet's row until it commits. A worker that dies
mid-load leaves its transaction rolled back (nothing half-loaded) and its lease to expire;
`fail_stale_packets` (the worker's tick, `reminderly maintain fail-stale`) then fails the packet
with the reason, and the same Idempotency-Key may be sent again.
"""

from __future__ import annotations

import io
import logging
import threading
from datetime import timedelta

import psycopg

from app_service import packets
from app_service.db import connect, one, rows
from app_service.models import LoadResult
from app_service.packet_source import ReadProgress, csv_source, json_source
from app_service.queries import Q

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)


class StoredBody(io.RawIOBase):
    """A stored upload read back chunk by chunk (one query a chunk, on its own connection)."""

    def __init__(self, conn: psycopg.Connection, packet_id: int):
        self._conn = conn
        self._packet_id = packet_id
        self._seq = 0
        self._buffer = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[override]
        while not self._buffer and not self._done:
            found = rows(
                self._conn, Q.packet_upload_chunk, {"packet_id": self._packet_id, "seq": self._seq}
            )
            self._seq += 1
            if found:
                self._buffer = bytes(found[0]["data"])
            else:
                self._done = True
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def load_next(url: str, owner: str, lease: timedelta = LEASE) -> LoadResult | None:
    """Take the oldest stored upload and load it; None when there is none."""
    with connect(url, autocommit=True) as side:
        found = rows(side, Q.claim_packet_load, {"owner": owner, "lease": lease})
        if not found:
            return None
        packet_id, campaign_id = found[0]["packet_id"], found[0]["campaign_id"]
        body = io.BufferedReader(StoredBody(side, packet_id), buffer_size=1 << 20)
        make = csv_source if found[0]["content_type"] == "text/csv" else json_source
        source = make(body)

        def progress(p: ReadProgress) -> None:
            (held,) = one(
                side,
                Q.renew_packet_load,
                {"packet_id": packet_id, "owner": owner, "lease": lease, "rows": p.rows},
            )
            if not held:  # the lease ran out and the packet was failed: stop reading
                raise LeaseLost(f"packet {packet_id}: the load's lease was lost")

        with connect(url, autocommit=True) as conn:
            result = packets.load_stored(conn, packet_id, campaign_id, source, progress=progress)
    log.info(
        "background load finished",
        extra={"packet_id": packet_id, "status": result.status, "rows": result.rows_submitted},
    )
    return result


class LeaseLost(Exception):
    """Another process failed this load (its lease expired): this one must stop."""


class PacketLoader(threading.Thread):
    """The worker's background-load thread: loads stored uploads one at a time."""

    def __init__(self, url: str, owner: str, *, idle_seconds: float = 1.0):
        super().__init__(name="packet-loader", daemon=True)
        self._url = url
        self._owner = owner
        self._idle = idle_seconds
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                result = load_next(self._url, self._owner)
            except psycopg.OperationalError as exc:
                log.warning("packet loader: database unavailable (%s)", type(exc).__name__)
                result = None
            except Exception:  # one bad load must not end the loader
                log.exception("packet loader: a load failed")
                result = None
            if result is None:
                self._halt.wait(self._idle)
