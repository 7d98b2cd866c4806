"""PostgreSQL's planning against an independent model of the rules (tests/oracle.py).

Hypothesis generates sequences of packets for three campaigns of one account (a reminder by
SMS, a survey by email, a review request by SMS at 10:00 the next morning): new, repeated, moved,
reassigned and cancelled rows, rows with bad addresses, snapshots (forced or not), STOP replies
between packets, duplicate uploads and the same list sent to another campaign. After every step, every message's campaign, step,
customer, status, reason and send time must equal the model's. Appointments fall in weeks with
and without DST changes, in three zones.

REMINDERLY_ORACLE_EXAMPLES sets how many sequences run (CI: 80; `bench/oracle_soak.sh` runs
thousands). Each sequence uses a new account of one database, so sequences never see each
other's rows.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app_service import campaigns, consent, packets
from app_service.models import CampaignSpec, Snapshot, Step
from app_service.packet_source import rows_source
from tests.oracle import Model, OCampaign, ORow, OStep

EXAMPLES = int(os.environ.get("REMINDERLY_ORACLE_EXAMPLES", "80"))
ZONES = ["America/Chicago", "America/Phoenix", "Europe/London"]
WEEKS = [
    datetime(2027, 3, 12),
    datetime(2027, 3, 26),
    datetime(2027, 1, 15),
]  # US DST, EU DST, none
CUSTOMERS = [f"c{i}" for i in range(5)]
APPOINTMENTS = [f"a{i}" for i in range(7)]

REMINDER = (
    "reminder",
    "sms",
    (OStep(1, timedelta(hours=-48), "sms"), OStep(2, timedelta(hours=-2), "sms")),
)
SURVEY = ("survey", "email", (OStep(1, timedelta(hours=2), "email"),))
REVIEW = ("review_request", "sms", (OStep(1, timedelta(days=1), "sms", time(10, 0)),))


def _row(draw, week: datetime) -> dict:
    tz = draw(st.sampled_from(ZONES))
    local = week + timedelta(
        days=draw(st.integers(0, 3)),
        hours=draw(st.integers(6, 21)),
        minutes=draw(st.sampled_from([0, 30])),
    )
    return {
        "customer_id": draw(st.sampled_from(CUSTOMERS)),
        "appointment_id": draw(st.sampled_from(APPOINTMENTS)),
        "local_at": local,
        "timezone": tz,
        "status": draw(st.sampled_from(["booked"] * 4 + ["cancelled"])),
        "phone_ok": draw(st.booleans()) or draw(st.booleans()),  # mostly valid
        "email_ok": draw(st.booleans()) or draw(st.booleans()),
    }


@st.composite
def operations(draw):
    week = draw(st.sampled_from(WEEKS))
    ops = []
    for _ in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(["load"] * 4 + ["stop", "again", "copy", "copy"]))
        if kind == "load":
            rows = [_row(draw, week) for _ in range(draw(st.integers(0, 6)))]
            snapshot = None
            if draw(st.booleans()) and draw(st.booleans()):
                first = draw(st.integers(0, 3))
                snapshot = (first, draw(st.integers(first + 1, 4)), draw(st.booleans()))
            ops.append(("load", draw(st.integers(0, 2)), rows, snapshot))
        elif kind == "stop":
            ops.append(("stop", draw(st.sampled_from(CUSTOMERS))))
        elif kind == "copy":  # the same list into another campaign, as practices do
            ops.append(("copy", draw(st.integers(0, 2))))
        else:
            ops.append(("again",))
    return week, ops


def _csv_row(r: dict) -> dict:
    n = int(r["customer_id"][1:])
    out = {
        "customer_id": r["customer_id"],
        "first_name": f"N{n}",
        "phone": f"(312) 555-01{n:02d}" if r["phone_ok"] else "12",
        "email": f"{r['customer_id']}@example.com" if r["email_ok"] else "not-an-email",
        "timezone": r["timezone"],
        "appointment_id": r["appointment_id"],
        "appointment_at": r["local_at"].isoformat(timespec="minutes"),
    }
    if r["status"] == "cancelled":
        out["status"] = "cancelled"
    return out


def _make_campaign(conn, account: int, spec) -> int:
    kind, channel, steps = spec
    cid = campaigns.create_campaign(
        conn,
        CampaignSpec(
            account,
            kind,
            kind,
            channel,
            [
                Step(
                    f"s{s.step}",
                    s.offset,
                    "Hi {{ first_name }}",
                    channel=s.channel,
                    local_time=s.local_time,
                    subject="Hi" if s.channel == "email" else None,
                )
                for s in steps
            ],
        ),
    )
    campaigns.set_status(conn, cid, "active")
    return cid


def _db_messages(conn, account: int) -> dict:
    found = conn.execute(
        """SELECT m.campaign_id, a.external_id, m.step, c.external_id, m.status, m.reason, m.send_at
           FROM messages m JOIN appointments a ON a.id = m.appointment_id
           JOIN customers c ON c.id = m.customer_id WHERE m.account_id = %s""",
        [account],
    ).fetchall()
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6].astimezone(UTC)) for r in found}


def _model_messages(model: Model) -> dict:
    return {k: (m.status, m.reason, m.send_at) for k, m in model.messages.items()}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=operations())
def test_planning_matches_the_model(conn: psycopg.Connection, case) -> None:
    week, ops = case
    account = campaigns.create_account(conn, "Oracle", default_country="US", timezone="UTC")
    ids = [_make_campaign(conn, account, spec) for spec in (REMINDER, SURVEY, REVIEW)]
    model = Model(
        {
            cid: OCampaign(cid, spec[0], spec[1], spec[2])
            for cid, spec in zip(ids, (REMINDER, SURVEY, REVIEW), strict=True)
        }
    )
    loaded: set[tuple] = set()  # (campaign, content, scope) of packets that were kept
    last = None
    for op in ops:
        if op[0] in ("again", "copy"):
            if last is None:
                continue
            op = last if op[0] == "again" else (last[0], op[1], last[2], last[3])
        if op[0] == "stop":
            found = conn.execute(
                "SELECT id FROM customers WHERE account_id = %s AND external_id = %s",
                [account, op[1]],
            ).fetchone()
            if found is None:
                continue
            consent.record(conn, found[0], "sms", "opt_out", "sms reply")
            model.opt_out(op[1], "sms")
        else:
            _, which, rows, scope = op
            last = op
            cid = ids[which]
            snapshot = None
            if scope is not None:
                start = Model.to_utc(week + timedelta(days=scope[0]), "UTC")
                end = Model.to_utc(week + timedelta(days=scope[1]), "UTC")
                snapshot = Snapshot(start, end, None, scope[2])
            csv_rows = [_csv_row(r) for r in rows]
            signature = (cid, repr(csv_rows), scope)
            result = packets.load_packet(conn, cid, rows_source(csv_rows), snapshot=snapshot)
            if signature in loaded:
                assert not result.created  # the same load again is the same packet
                continue
            expected = model.load(
                cid,
                [
                    ORow(
                        r["customer_id"],
                        r["appointment_id"],
                        r["local_at"],
                        r["timezone"],
                        r["status"],
                        r["phone_ok"],
                        r["email_ok"],
                    )
                    for r in rows
                ],
                None if snapshot is None else (snapshot.starts_from, snapshot.starts_to),
                bool(scope and scope[2]),
            )
            actual = {"refused": "refused", "failed": "empty"}.get(result.status, "ready")
            assert actual == expected, (result, rows)
            if expected == "ready":
                loaded.add(signature)
        assert _db_messages(conn, account) == _model_messages(model), op


def test_the_model_reads_local_times_as_postgresql_does(conn) -> None:
    """The model's own footing: gaps and overlaps of DST resolved as the database does."""
    for local in ("2027-03-14 02:30", "2027-11-07 01:30", "2027-03-28 01:30", "2027-06-01 12:00"):
        for tz in ("America/Chicago", "Europe/London"):
            (db,) = conn.execute("SELECT (%s::timestamp AT TIME ZONE %s)", [local, tz]).fetchone()
            assert Model.to_utc(datetime.fromisoformat(local), tz) == db.astimezone(UTC)
