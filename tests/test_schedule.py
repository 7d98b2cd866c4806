"""Schedule and send-window arithmetic in the recipient's timezone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def due(
    conn, starts_utc: str, tz: str, offset: timedelta, local_time: str | None = None
) -> datetime:
    return conn.execute(
        "SELECT step_due_at(%s, %s, %s, %s::time)", [utc(starts_utc), tz, offset, local_time]
    ).fetchone()[0]


@pytest.mark.parametrize(
    ("starts", "tz", "hours", "expected", "why"),
    [
        # Chicago springs forward on 2026-03-08: a Monday 10:00 CDT appointment's 48 h reminder is
        # Saturday 10:00 CST, 47 real hours earlier.
        ("2026-03-09 15:00", "America/Chicago", -48, "2026-03-07 16:00", "spring forward"),
        # ... and falls back on 2026-11-01: 49 real hours.
        ("2026-11-02 16:00", "America/Chicago", -48, "2026-10-31 15:00", "fall back"),
        ("2026-03-30 09:00", "Europe/London", -48, "2026-03-28 10:00", "London spring forward"),
        ("2026-06-10 15:00", "America/Chicago", -2, "2026-06-10 13:00", "no change"),
        ("2026-06-10 15:00", "America/Chicago", 2, "2026-06-10 17:00", "survey after"),
        ("2026-06-10 15:00", "Asia/Kolkata", -24, "2026-06-09 15:00", "half-hour zone"),
    ],
)
def test_offsets_are_wall_clock_in_the_recipient_zone(conn, starts, tz, hours, expected, why):
    assert due(conn, starts, tz, timedelta(hours=hours)) == utc(expected), why


def test_local_time_step_lands_on_that_local_time_the_next_morning_across_dst(conn):
    # a visit on Saturday 2026-03-07 15:00 CST; "next morning at 10:00" is Sunday 10:00 CDT
    got = due(conn, "2026-03-07 21:00", "America/Chicago", timedelta(days=1), "10:00")
    assert got == utc("2026-03-08 15:00")


def test_nonexistent_local_time_is_read_forward(conn):
    # 02:30 does not exist in Chicago on 2026-03-08; PostgreSQL reads it as 03:30 CDT
    got = conn.execute(
        "SELECT parse_local_timestamp('2026-03-08T02:30', 'America/Chicago')"
    ).fetchone()[0]
    assert got == utc("2026-03-08 08:30")


def window(
    conn, due_utc: str, tz: str, policy: str, start: str = "09:00", end: str = "20:00"
) -> datetime:
    return conn.execute(
        "SELECT window_send_at(%s, %s, %s::time, %s::time, %s)",
        [utc(due_utc), tz, start, end, policy],
    ).fetchone()[0]


@pytest.mark.parametrize(
    ("due_utc", "policy", "expected"),
    [
        ("2026-06-10 18:00", "defer", "2026-06-10 18:00"),  # 13:00 CDT: inside
        ("2026-06-10 12:00", "defer", "2026-06-10 14:00"),  # 07:00 CDT -> 09:00 the same day
        ("2026-06-11 03:00", "defer", "2026-06-11 14:00"),  # 22:00 CDT -> 09:00 the next day
        ("2026-06-11 01:00", "defer", "2026-06-11 14:00"),  # exactly 20:00 is outside
        ("2026-06-11 03:00", "advance", "2026-06-11 00:59"),  # 22:00 CDT -> 19:59 the same day
        ("2026-06-10 12:00", "advance", "2026-06-10 00:59"),  # 07:00 CDT -> 19:59 the day before
        ("2026-03-08 04:00", "defer", "2026-03-08 14:00"),  # 22:00 CST Sat -> 09:00 CDT Sunday
    ],
)
def test_send_window_in_recipient_zone(conn, due_utc, policy, expected):
    assert window(conn, due_utc, "America/Chicago", policy) == utc(expected)


def plan(conn, starts_utc: str, hours: float, policy: str = "defer", tz: str = "America/Chicago"):
    return conn.execute(
        "SELECT s, plan_reason(d, %(starts)s, s) FROM step_due_at(%(starts)s, %(tz)s, %(offset)s, NULL) AS d, "
        "plan_send_at(d, %(tz)s, '09:00', '20:00', %(policy)s) AS s",
        {"starts": utc(starts_utc), "tz": tz, "offset": timedelta(hours=hours), "policy": policy},
    ).fetchone()


def test_reminder_that_could_only_go_after_the_appointment_is_too_late(conn):
    # 08:00 CDT appointment in 2027; the 2 h reminder falls at 06:00, the window opens at 09:00
    send_at, reason = plan(conn, "2027-06-10 13:00", -2)
    assert reason == "too_late"
    assert send_at == utc("2027-06-10 14:00")


def test_advance_policy_sends_the_evening_before_instead(conn):
    send_at, reason = plan(conn, "2027-06-10 13:00", -2, policy="advance")
    assert (send_at, reason) == (utc("2027-06-10 00:59"), "")


def test_past_due_step_is_sent_now_if_the_window_allows(conn):
    with conn.transaction():  # one transaction: now() is the same in both statements
        now = conn.execute("SELECT now()").fetchone()[0]
        send_at, reason = conn.execute(
            "SELECT s, plan_reason(d, %(starts)s, s) FROM step_due_at(%(starts)s, 'UTC', %(offset)s, NULL) AS d, "
            "plan_send_at(d, 'UTC', '00:00', '23:59:59', 'defer') AS s",
            {"starts": now + timedelta(hours=5), "offset": timedelta(hours=-48)},
        ).fetchone()
    assert reason == ""
    assert send_at == now
