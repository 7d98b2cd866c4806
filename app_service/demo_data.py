"""Sample data for `reminderly demo` and the benchmarks: deterministic, with some bad rows."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg

from app_service import campaigns
from app_service.models import CampaignSpec, Step

FIRST = ["Ann", "Bob", "Carla", "Dev", "Elif", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]
LAST = ["Ng", "Okafor", "Silva", "Berg", "Khan", "Moreau", "Rossi", "Tanaka", "Walsh", "Young"]
AREA_CODES = [212, 213, 303, 305, 312, 404, 415, 503, 512, 602, 617, 702, 713, 773, 818, 917]
ZONES = ["America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles"]
HEADER = [
    "customer_id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "timezone",
    "appointment_id",
    "appointment_at",
    "location_id",
    "provider",
]


def create_demo_campaigns(conn: psycopg.Connection) -> tuple[int, int, int]:
    """A demo practice with an SMS reminder campaign (48 h and 2 h before) and an email
    survey (2 h after the visit), both active."""
    account_id = campaigns.create_account(
        conn, "Demo Dental", default_country="US", timezone="America/Chicago"
    )
    reminder = campaigns.create_campaign(
        conn,
        CampaignSpec(
            account_id,
            "Appointment reminders",
            "reminder",
            "sms",
            [
                Step(
                    "48 hours before",
                    timedelta(hours=-48),
                    "Hi {{ first_name }}, see you on {{ appointment_at }}. Reply C to confirm.",
                ),
                Step(
                    "2 hours before",
                    timedelta(hours=-2),
                    "Reminder: your visit is at {{ appointment_at }}.",
                ),
            ],
        ),
    )
    survey = campaigns.create_campaign(
        conn,
        CampaignSpec(
            account_id,
            "After-visit survey",
            "survey",
            "email",
            [
                Step(
                    "2 hours after",
                    timedelta(hours=2),
                    "How was your visit, {{ first_name }}?",
                    subject="How did we do?",
                ),
            ],
        ),
    )
    for campaign_id in (reminder, survey):
        campaigns.set_status(conn, campaign_id, "active")
    for n, (name, zone) in enumerate(LOCATIONS, start=1):
        conn.execute(
            "INSERT INTO locations (account_id, external_id, name, timezone, review_url) "
            "VALUES (%s, %s, %s, %s, %s)",
            [account_id, f"loc-{n}", name, zone, f"https://reviews.example.com/demo-dental-{n}"],
        )
    return account_id, reminder, survey


LOCATIONS = [
    ("Downtown", "America/Chicago"),
    ("Lakeside", "America/Chicago"),
    ("Uptown", "America/Chicago"),
]
WORLD_ZONES = [
    "Pacific/Honolulu",
    "America/Los_Angeles",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
]


def _zone_in_business_hours(now: datetime) -> str:
    """A zone where it is now between 10:00 and 18:00, so the demo's first messages fall
    inside the default send window (09:00-20:00) whatever the hour of the run."""
    for zone in WORLD_ZONES:
        if 10 <= now.astimezone(ZoneInfo(zone)).hour < 18:
            return zone
    return "UTC"


def due_soon_rows(count: int = 8, now: datetime | None = None) -> list[list[str]]:
    """Appointments whose '2 hours before' reminder is due now or within the first minute, and
    visits that ended two hours ago (the survey is due within the minute): so a newcomer sees
    the worker send as soon as it starts."""
    now = now or datetime.now(ZoneInfo("UTC"))
    zone = _zone_in_business_hours(now)
    # (hours, minutes) from now: reminders due 5 minutes ago and in a minute, then visits whose
    # survey (2 hours after) is due 5 minutes ago and in a minute
    offsets = [(2, -5), (2, 1), (-2, -5), (-2, 1)]
    out = []
    for i in range(count):
        hours, minutes = offsets[i % len(offsets)]
        when = now + timedelta(hours=hours, minutes=minutes)
        local = when.astimezone(ZoneInfo(zone)).replace(tzinfo=None, second=0, microsecond=0)
        out.append(
            [
                f"soon-{i}",
                FIRST[i % len(FIRST)],
                LAST[i % len(LAST)],
                f"(312) 555-{100 + i:04d}",
                f"soon{i}@example.com",
                zone,
                f"soon-appt-{i}",
                local.strftime("%Y-%m-%dT%H:%M"),
                "loc-1",
                "Dr. Lee",
            ]
        )
    return out


def sample_rows(
    seed: int, rows: int, *, bad_every: int = 13, start: datetime | None = None
) -> list[list[str]]:
    """`rows` appointment rows over the next days; every `bad_every`-th row has one mistake
    (bad phone, bad timezone, bad date, missing id) so the row errors show up too."""
    rng = random.Random(seed)
    start = start or datetime.now(ZoneInfo("America/Chicago")).replace(
        minute=0, second=0, microsecond=0
    )
    out = []
    for i in range(rows):
        n = seed * 1_000_000 + i
        zone = ZONES[i % len(ZONES)]
        local = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        when = local + timedelta(
            hours=rng.choice([1, 3, 20, 26, 50, 74]), minutes=rng.choice([0, 15, 30, 45])
        )
        when = datetime.combine(when.date(), max(when.time(), time(8, 0)))
        row = [
            f"cust-{n}",
            rng.choice(FIRST),
            rng.choice(LAST),
            f"({rng.choice(AREA_CODES)}) {rng.randint(201, 989)}-{rng.randint(1000, 9999)}",
            f"cust{n}@example.com",
            zone,
            f"appt-{n}",
            when.strftime("%Y-%m-%dT%H:%M"),
            f"loc-{i % 3 + 1}",
            rng.choice(["Dr. Lee", "Dr. Park", "Dr. Diaz"]),
        ]
        if bad_every and i % bad_every == bad_every - 1:
            mistake = (i // bad_every) % 4
            if mistake == 0:
                row[3] = "555-12"
            elif mistake == 1:
                row[5] = "Mars/Olympus_Mons"
            elif mistake == 2:
                row[7] = "next tuesday"
            else:
                row[6] = ""
        out.append(row)
    return out


def sample_csv(seed: int, rows: int, *, extra: list[list[str]] | None = None, **kwargs) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(sample_rows(seed, rows, **kwargs))
    writer.writerows(extra or [])
    return buffer.getvalue().encode()
