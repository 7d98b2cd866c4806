"""CSV exports of a campaign's messages over a date range, optionally for one location.

Small exports are answered in the request; a large one is queued (report_exports) and built by
a worker's export thread into chunks in PostgreSQL, so no request runs for minutes and no
process holds the file in memory. What decides is the most rows the export can hold: the
messages the campaign planned at the chosen location(s), an O(1) read of the location rollup.
At most `STREAM_ROWS` (10,000) answer at once; more go to the background. A built file is kept
for `KEEP` (48 hours), then expires (the export thread deletes its chunks within a minute).

Who may: every role reads reports, so every role may export. The export row records the
location it covers; row-level security shows a location-scoped member only exports of their
location, and `report_export_request` (SECURITY DEFINER) refuses them any other. Cells are made
formula-safe (`reports.csv_cell`) and the file is UTF-8 with RFC 4180 quoting."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import psycopg
from psycopg.rows import dict_row

from app_service.db import connect, one, rows
from app_service.queries import Q
from app_service.reports import OutsideScope, SafeWriter

log = logging.getLogger(__name__)

STREAM_ROWS = 10_000
"""An export that can hold at most this many rows is answered in the request."""
MAX_DAYS = 366
KEEP = timedelta(hours=48)
LEASE = timedelta(minutes=2)
CHUNK_BYTES = 1 << 20

COLUMNS = (
    "message_id",
    "location",
    "customer",
    "appointment",
    "step",
    "channel",
    "status",
    "reason",
    "send_at",
    "sent_at",
    "delivered",
    "replied",
    "confirmed",
    "clicked",
    "survey_score",
)


class InvalidExport(ValueError):
    """A request for an export that cannot be made; names the field and the reason."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def check_range(since: datetime | None, until: datetime | None) -> None:
    if since is None:
        raise InvalidExport("since", "is required (a date)")
    if until is None:
        raise InvalidExport("until", "is required (a date)")
    if until <= since:
        raise InvalidExport("until", "must be after since")
    if until - since > timedelta(days=MAX_DAYS):
        raise InvalidExport("until", f"the range is longer than {MAX_DAYS} days")


def rows_bound(conn: psycopg.Connection, campaign_id: int, location_id: int | None) -> int:
    """The most rows the export can hold (what the campaign planned there, any time)."""
    (n,) = one(
        conn, Q.campaign_planned_total, {"campaign_id": campaign_id, "location_id": location_id}
    )
    return int(n)


def _line(values: list) -> str:
    out = io.StringIO()
    SafeWriter(out).writerow(values)
    return out.getvalue()


def header() -> str:
    return _line(list(COLUMNS))


def csv_lines(cursor: Iterator[dict], encode: Callable[[int], int]) -> Iterator[str]:
    """One CSV line per message (the header first); `encode` makes message ids public."""
    yield header()
    for r in cursor:
        yield _line(
            [
                encode(int(r["id"])),
                r["location"] or "",
                r["customer"] or "",
                r["appointment"] or "",
                r["step"],
                r["channel"],
                r["status"],
                r["reason"] or "",
                r["send_at"].isoformat(),
                r["sent_at"].isoformat() if r["sent_at"] else "",
                "yes" if r["delivered"] else "no",
                "yes" if r["replied"] else "no",
                "yes" if r["confirmed"] else "no",
                "yes" if r["clicked"] else "no",
                "" if r["survey_score"] is None else r["survey_score"],
            ]
        )


def _params(account_id: int, campaign_id: int, location_id, since, until) -> dict:
    return {
        "account_id": account_id,
        "campaign_id": campaign_id,
        "location_id": location_id,
        "since": since,
        "until": until,
    }


def export_now(
    conn: psycopg.Connection,
    account_id: int,
    campaign_id: int,
    location_id: int | None,
    since: datetime,
    until: datetime,
    encode: Callable[[int], int],
) -> str:
    """A small export, built in the request (at most STREAM_ROWS rows, by `rows_bound`)."""
    found = rows(
        conn, Q.report_export_rows, _params(account_id, campaign_id, location_id, since, until)
    )
    return "".join(csv_lines(iter(found), encode))


def request(
    conn: psycopg.Connection,
    campaign_id: int,
    location_id: int | None,
    since: datetime,
    until: datetime,
    *,
    user_id: int | None,
    key_id: int | None,
    expected: int,
) -> int:
    """Queue a background export; its id. The database fixes the account and the scope."""
    try:
        with conn.transaction():
            (export_id,) = one(
                conn,
                Q.report_export_request,
                {
                    "campaign_id": campaign_id,
                    "location_id": location_id,
                    "since": since,
                    "until": until,
                    "user_id": user_id,
                    "key_id": key_id,
                    "expected": expected,
                },
            )
    except psycopg.errors.InsufficientPrivilege:
        raise OutsideScope("you see one location only") from None
    except psycopg.errors.NoDataFound as exc:
        raise InvalidExport(
            "location" if "location" in str(exc) else "campaign", "not found"
        ) from None
    return int(export_id)


def get(conn: psycopg.Connection, export_id: int) -> dict | None:
    """One export as the caller may see it (row-level security: account and location)."""
    found = rows(conn, Q.report_export_get, {"id": export_id})
    return found[0] if found else None


def recent(conn: psycopg.Connection, limit: int = 50) -> list[dict]:
    return rows(conn, Q.report_export_list, {"limit": limit})


def chunks(conn: psycopg.Connection, export_id: int) -> Iterator[bytes]:
    """The built file, chunk by chunk (one query a chunk)."""
    seq = 0
    while found := rows(conn, Q.report_export_chunk, {"id": export_id, "seq": seq}):
        yield bytes(found[0]["data"])
        seq += 1


def expire(conn: psycopg.Connection) -> int:
    """Expire done exports past their time (their chunks go); how many."""
    (n,) = one(conn, Q.expire_report_exports)
    return int(n)


class LeaseLost(Exception):
    """Another builder took this export (this one's lease ran out): stop."""


def build_next(
    url: str,
    owner: str,
    encode: Callable[[int], int],
    *,
    lease: timedelta = LEASE,
    keep: timedelta = KEEP,
    chunk_bytes: int = CHUNK_BYTES,
) -> int | None:
    """Claim the oldest queued export and build it; its id, or None when there was none.

    The chunks are written in one transaction (a builder that dies leaves none), progress and
    the lease on a side connection the console reads while it runs."""
    with connect(url, autocommit=True) as side:
        found = rows(side, Q.claim_report_export, {"owner": owner, "lease": lease})
        if not found:
            return None
        job = found[0]
        export_id = int(job["id"])
        written = size = 0
        try:
            with connect(url) as conn, conn.transaction():
                seq = 0
                buffer: list[str] = []
                buffered = 0

                def flush() -> None:
                    nonlocal seq, buffered
                    data = "".join(buffer).encode("utf-8")
                    conn.execute(
                        Q.report_export_put_chunk, {"id": export_id, "seq": seq, "data": data}
                    )
                    seq += 1
                    buffer.clear()
                    buffered = 0
                    held = one(
                        side,
                        Q.report_export_progress,
                        {
                            "id": export_id,
                            "owner": owner,
                            "rows": written,
                            "bytes": size,
                            "lease": lease,
                        },
                    )
                    if not held:
                        raise LeaseLost(f"export {export_id}: the lease was lost")

                params = _params(
                    job["account_id"],
                    job["campaign_id"],
                    job["location_id"],
                    job["since"],
                    job["until"],
                )
                with conn.cursor(name=f"export_{export_id}", row_factory=dict_row) as cur:
                    cur.itersize = 2000
                    cur.execute(Q.report_export_rows, params)
                    for n, line in enumerate(csv_lines(iter(cur), encode)):
                        buffer.append(line)
                        encoded = len(line.encode("utf-8"))
                        buffered += encoded
                        size += encoded
                        written = n  # the header is line 0
                        if buffered >= chunk_bytes:
                            flush()
                if buffer:
                    flush()
                done = one(
                    conn,
                    Q.report_export_finish,
                    {"id": export_id, "owner": owner, "rows": written, "bytes": size, "keep": keep},
                )
                if not done:
                    raise LeaseLost(f"export {export_id}: the lease was lost")
        except LeaseLost:
            log.warning("report export lost its lease", extra={"export_id": export_id})
            return export_id
        except psycopg.OperationalError:
            raise  # the database went away: the lease runs out and the export is retried
        except Exception as exc:
            side.execute(
                Q.report_export_fail,
                {
                    "id": export_id,
                    "owner": owner,
                    "error": f"the export failed ({type(exc).__name__})",
                },
            )
            log.error(
                "report export failed", extra={"export_id": export_id, "error": type(exc).__name__}
            )
            return export_id
    log.info("report export built", extra={"export_id": export_id, "rows": written, "bytes": size})
    return export_id


class ExportBuilder(threading.Thread):
    """The worker's export thread: builds queued exports one at a time and expires old ones."""

    def __init__(
        self, url: str, owner: str, encode: Callable[[int], int], *, idle_seconds: float = 2.0
    ):
        super().__init__(name="report-exports", daemon=True)
        self._url, self._owner, self._encode = url, owner, encode
        self._idle = idle_seconds
        self._halt = threading.Event()

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        next_expiry = 0.0
        while not self._halt.is_set():
            built = None
            try:
                if time.monotonic() >= next_expiry:  # once a minute is soon enough
                    with connect(self._url, autocommit=True) as conn:
                        expire(conn)
                    next_expiry = time.monotonic() + 60
                built = build_next(self._url, self._owner, self._encode)
            except psycopg.OperationalError as exc:
                log.warning("report exports: database unavailable (%s)", type(exc).__name__)
            except Exception as exc:  # one bad export must not end the thread
                log.error("report exports: unexpected %s", type(exc).__name__)
            if built is None:
                self._halt.wait(self._idle)
