"""Helpers shared by the tests: building packets and reading states."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg

from app_service import campaigns, packets
from app_service.models import CampaignSpec, Step
from app_service.packet_source import csv_source, rows_source

CHICAGO = ZoneInfo("America/Chicago")


def local(hours_from_now: float, tz: ZoneInfo = CHICAGO) -> str:
    """An ISO local time (no offset) `hours_from_now` from now, as integrators send it."""
    when = datetime.now(tz) + timedelta(hours=hours_from_now)
    return when.replace(tzinfo=None, microsecond=0).isoformat(timespec="minutes")


def csv_bytes(rows: list[dict]) -> bytes:
    header = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def person(n: int, hours: float = 72, **overrides) -> dict:
    """A valid reminder row for customer n with an appointment `hours` from now."""
    row = {
        "customer_id": f"c{n}",
        "first_name": f"Name{n}",
        "phone": f"(312) 555-{n % 10000:04d}",
        "email": f"c{n}@example.com",
        "appointment_id": f"a{n}",
        "appointment_at": local(hours),
    }
    row.update(overrides)
    return row


def load_rows(conn: psycopg.Connection, campaign_id: int, rows: list[dict], **kwargs):
    return packets.load_packet(conn, campaign_id, rows_source(rows), **kwargs)


def load_csv(conn: psycopg.Connection, campaign_id: int, body: bytes, **kwargs):
    return packets.load_packet(
        conn, campaign_id, csv_source(io.BytesIO(body), "test.csv"), **kwargs
    )


def statuses(conn: psycopg.Connection, **where) -> dict[str, int]:
    """Counts of messages by status (and reason), counted from the table itself; a ready
    message with a lease shows as "claimed"."""
    clause = " AND ".join(f"{k} = %({k})s" for k in where) or "true"
    out: dict[str, int] = {}
    for status, reason, n in conn.execute(
        "SELECT CASE WHEN lease_owner IS NOT NULL THEN 'claimed' ELSE status END, reason, count(*) "
        f"FROM messages WHERE {clause} GROUP BY 1, 2",
        where,
    ):
        out[status if not reason else f"{status}:{reason}"] = n
    return out


def make_due(conn: psycopg.Connection, **where) -> None:
    """Pretend time passed: scheduled messages (matching `where`) are due now."""
    clause = " AND ".join(f"{k} = %({k})s" for k in where) or "true"
    conn.execute(
        f"UPDATE messages SET send_at = now() - interval '1 second' WHERE status = 'scheduled' AND {clause}",
        where,
    )


ALWAYS_OPEN = (time(0, 0), time.max)


def make_campaign(
    conn: psycopg.Connection,
    account_id: int,
    *,
    kind: str = "reminder",
    channel: str = "sms",
    offsets: tuple[float, ...] = (-48, -2),
    window: tuple[time, time] = ALWAYS_OPEN,
    activate: bool = True,
    **kwargs,
) -> int:
    """A campaign with one step per offset (hours from the appointment)."""
    steps = [
        Step(
            f"step {i}",
            timedelta(hours=h),
            f"Hello {{{{ first_name }}}} ({i})",
            subject="Your visit" if channel == "email" else None,
        )
        for i, h in enumerate(offsets, start=1)
    ]
    spec = CampaignSpec(
        account_id,
        f"{kind} campaign",
        kind,
        channel,
        steps,
        send_window_start=window[0],
        send_window_end=window[1],
        **kwargs,
    )
    campaign_id = campaigns.create_campaign(conn, spec)
    if activate:
        campaigns.set_status(conn, campaign_id, "active")
    return campaign_id
