"""A clinic's week, end to end: each morning the practice-management system exports the next
two days' appointments as a snapshot, loaded into three campaigns (SMS reminders 24 h and 2 h
before, an email survey 2 h after, an SMS review request at 10:00 the next morning). Over the
week an appointment is moved, one cancelled, one vanishes from the export, one is moved after its
first reminder went out, a patient texts STOP, a patient answers the survey and another clicks
the review link. Each simulated day releases exactly the messages due that day and the real
worker sends them into the outbox; the test asserts what reached the outbox, day by day.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app_service import packets
from app_service.db import one
from app_service.models import Snapshot
from app_service.packet_source import rows_source
from app_service.queries import Q
from app_service.replies import handle_reply
from tests.helpers import make_campaign
from tests.test_reports import send_due

TZ = ZoneInfo("America/Chicago")
WINDOW = (time(8, 0), time(20, 0))
PATIENTS = {f"p{i}": f"(312) 555-02{i:02d}" for i in range(1, 7)}

# appointment -> (patient, day, "HH:MM") as each morning's export shows it (None: not in it)
A = {
    "A1": ("p1", 1, "10:00"),
    "A2": ("p2", 1, "11:00"),
    "A3": ("p3", 2, "15:00"),  # moved to 16:00 on day 1's export
    "A4": ("p4", 2, "09:30"),  # cancelled on day 1's export
    "A5": ("p5", 3, "14:00"),  # vanishes from day 2's export
    "A6": ("p6", 3, "10:00"),  # moved to day 4 11:00 on day 2's export
    "A7": ("p1", 4, "09:00"),
    "A8": ("p2", 5, "10:00"),  # p2 texts STOP on day 3
    "A9": ("p3", 6, "12:00"),
}
CHANGES = {("A3", 1): (2, "16:00"), ("A6", 2): (4, "11:00")}

# What each day sends: campaign -> sorted appointment ids (one message each, that day)
EXPECTED = {
    0: {"R": ["A1", "A2"]},
    1: {"R": ["A1", "A2", "A3"], "S": ["A1", "A2"]},
    2: {"R": ["A3"], "S": ["A3"], "V": ["A1", "A2"]},
    3: {"R": ["A6", "A7"], "V": ["A3"]},
    4: {"R": ["A6", "A7"], "S": ["A6", "A7"]},
    5: {"R": ["A9"], "S": ["A8"], "V": ["A6", "A7"]},
    6: {"R": ["A9"], "S": ["A9"]},
    7: {"V": ["A9"]},
}


def _week_start() -> datetime:
    """A Monday at midnight in the clinic's zone, at least two days ahead."""
    day = datetime.now(TZ).date() + timedelta(days=2)
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, time(0), TZ)


def _export(week: datetime, day: int, cancelled: set[str]) -> tuple[list[dict], Snapshot]:
    """The morning export of `day`: the booked appointments of the next two days."""
    where = {k: (v[1], v[2]) for k, v in A.items()}
    for (appt, since), moved in CHANGES.items():
        if day >= since:
            where[appt] = moved
    rows = []
    for appt, (d, hhmm) in where.items():
        vanished = appt == "A5" and day >= 2  # deleted in the practice's system: just gone
        if appt in cancelled or vanished or not day + 1 <= d < day + 3:
            continue
        patient = A[appt][0]
        at = datetime.combine((week + timedelta(days=d)).date(), time.fromisoformat(hhmm))
        rows.append(
            {
                "customer_id": patient,
                "first_name": patient.upper(),
                "phone": PATIENTS[patient],
                "email": f"{patient}@example.com",
                "timezone": "America/Chicago",
                "appointment_id": appt,
                "appointment_at": at.isoformat(timespec="minutes"),
            }
        )
    if day == 1:  # the front desk cancelled A4: the export says so
        rows.append({"customer_id": "p4", "appointment_id": "A4", "status": "cancelled"})
    scope = Snapshot(week + timedelta(days=day + 1), week + timedelta(days=day + 3))
    return rows, scope


def test_a_clinic_week(conn, db_url, account):
    conn.execute("UPDATE accounts SET timezone = 'America/Chicago' WHERE id = %s", [account])
    campaigns = {
        "R": make_campaign(conn, account, offsets=(-24, -2), window=WINDOW),
        "S": make_campaign(
            conn, account, kind="survey", channel="email", offsets=(2,), window=WINDOW
        ),
        "V": make_campaign(conn, account, kind="review_request", offsets=(24,), window=WINDOW),
    }
    conn.execute(
        "UPDATE campaign_steps SET local_time = '10:00' WHERE campaign_id = %s", [campaigns["V"]]
    )
    name_of = {v: k for k, v in campaigns.items()}
    week = _week_start()
    seen: set[int] = set()
    for day in range(8):
        if day == 3:  # p2 texts STOP in reply to their last reminder
            (last,) = conn.execute(
                "SELECT max(m.id) FROM messages m JOIN customers c ON c.id = m.customer_id "
                "WHERE c.external_id = 'p2' AND m.channel = 'sms' AND m.sent_at IS NOT NULL"
            ).fetchone()
            handle_reply(conn, last, "STOP")
        if day <= 5:
            rows, scope = _export(week, day, cancelled={"A4"} if day >= 1 else set())
            for key in ("R", "S", "V"):  # the same list into every campaign
                result = packets.load_packet(
                    conn, campaigns[key], rows_source(rows), snapshot=scope
                )
                assert result.status == "ready", result
        # the day passes: everything due before its end is released and sent
        end = week + timedelta(days=day + 1)
        conn.execute(
            "UPDATE messages SET send_at = now() - interval '1 second' "
            "WHERE status = 'scheduled' AND send_at < %s",
            [end],
        )
        send_due(db_url)
        sent = conn.execute(
            "SELECT m.id, m.campaign_id, a.external_id FROM outbox o "
            "JOIN messages m ON m.id = o.message_id JOIN appointments a ON a.id = m.appointment_id "
            "WHERE m.status IN ('sent', 'delivered')"
        ).fetchall()
        today: dict[str, list[str]] = {}
        for mid, cid, appt in sent:
            if mid not in seen:
                seen.add(mid)
                today.setdefault(name_of[cid], []).append(appt)
        assert {k: sorted(v) for k, v in today.items()} == EXPECTED[day], f"day {day}"
        if day == 1:  # p1 answers the survey, 9 out of 10
            (survey,) = conn.execute(
                "SELECT id FROM messages WHERE campaign_id = %s AND sent_at IS NOT NULL "
                "ORDER BY id LIMIT 1",
                [campaigns["S"]],
            ).fetchone()
            one(
                conn,
                Q.record_survey_response,
                {"message_id": survey, "score": 9, "comment": "Lovely staff", "channel": "web"},
            )
        if day == 2:  # p1 clicks through to the review site
            (review,) = conn.execute(
                "SELECT m.id FROM messages m JOIN customers c ON c.id = m.customer_id "
                "WHERE m.campaign_id = %s AND c.external_id = 'p1' AND m.sent_at IS NOT NULL",
                [campaigns["V"]],
            ).fetchone()
            one(conn, Q.record_click, {"message_id": review, "target": "review"})

    # nothing else is left to send, and every message went one way or another, once
    left = conn.execute(
        "SELECT count(*) FROM messages WHERE status IN ('scheduled', 'ready', 'retry')"
    ).fetchone()
    assert left == (0,)
    reasons = dict(
        conn.execute(
            "SELECT a.external_id || ':' || m.campaign_id || ':' || m.step, m.status || ':' || m.reason "
            "FROM messages m JOIN appointments a ON a.id = m.appointment_id "
            "WHERE m.status NOT IN ('sent', 'delivered')"
        ).fetchall()
    )
    r, s, v = campaigns["R"], campaigns["S"], campaigns["V"]
    assert reasons == {
        f"A4:{r}:1": "cancelled:appointment_cancelled",
        f"A4:{r}:2": "cancelled:appointment_cancelled",
        f"A4:{s}:1": "cancelled:appointment_cancelled",
        f"A4:{v}:1": "cancelled:appointment_cancelled",
        f"A5:{r}:1": "cancelled:absent_from_snapshot",
        f"A5:{r}:2": "cancelled:absent_from_snapshot",
        f"A5:{s}:1": "cancelled:absent_from_snapshot",
        f"A5:{v}:1": "cancelled:absent_from_snapshot",
        f"A8:{r}:1": "suppressed:opted_out",
        f"A8:{r}:2": "suppressed:opted_out",
        f"A8:{v}:1": "suppressed:opted_out",
    }
    from app_service import reports

    survey = reports.campaign_report(conn, s)
    assert survey["survey"]["responses"] == 1 and survey["funnel"]["responded"] == 1
    review = reports.campaign_report(conn, v)
    assert review["funnel"]["clicked"] == 1
