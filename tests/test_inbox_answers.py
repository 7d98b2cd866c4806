"""Answering customers from the inbox: an answer is queued in the console and sent by the
worker (the local outbox) from the number the customer wrote to, once however often its form
is submitted, shown in the conversation with its delivery status and audited; campaign
reports and the integrators' event feed do not count it. Refused with the reason, and nothing
written: opted out, no text, too long, quiet hours (scheduled for the window's next opening
when asked), a viewer, a member of another location or account. Quick replies start from a
template rendered for the customer."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from app_service import consent, db, replies, senders, templates
from app_service import dispatch_queue as dq
from app_service.worker.channels.outbox import OutboxChannel
from app_service.worker.runner import Worker, WorkerSettings
from tests.api_support import IDS, make_tenant
from tests.helpers import load_rows, make_campaign, make_due, person
from tests.test_people import _enrolled_person, _enrolled_person_from_link, _invite_link

OWN_NUMBER = "+13125550999"
CHICAGO = ZoneInfo("America/Chicago")


class Recording(OutboxChannel):
    """The local outbox, remembering each message as the provider would get it."""

    def __init__(self, pool):
        super().__init__(pool)
        self.seen = []

    def send(self, message):
        self.seen.append(message)
        return super().send(message)


def _run_worker(db_url) -> Recording:
    pool = db.open_pool(db_url, max_size=3)
    try:
        channel = Recording(pool)
        Worker(
            pool,
            {"sms": channel, "email": channel},
            WorkerSettings(
                tick_seconds=0.05, idle_sleep_seconds=0.02, link_secret="test-link-secret"
            ),
            emit_metrics=None,
        ).run(until_idle=True)
        return channel
    finally:
        pool.close()


def _window(conn, location: str, *, open_now: bool) -> None:
    """The location's send window: all day, or an hour that excludes the current local time."""
    if open_now:
        start, end = time(0, 0), time(23, 59, 59)
    else:
        start, end = (time(13), time(14)) if datetime.now(CHICAGO).hour < 12 else (time(1), time(2))
    conn.execute(
        "UPDATE locations SET send_window_start = %s, send_window_end = %s, timezone = %s"
        " WHERE external_id = %s",
        [start, end, "America/Chicago", location],
    )


@pytest.fixture
def clinic(app, conn, db_url):
    """An account that owns a reply number; two customers (north, south) sent a reminder by
    the worker; customer 1 replied to the account's own number."""
    account = make_tenant(conn, app, "Clinic").account_id
    senders.set_sms_sender(conn, account, OWN_NUMBER, [OWN_NUMBER])
    campaign = make_campaign(conn, account, offsets=(-48,))
    load_rows(conn, campaign, [person(1, location_id="north"), person(2, location_id="south")])
    make_due(conn, step=1)
    _run_worker(db_url)
    _window(conn, "north", open_now=True)
    _window(conn, "south", open_now=True)
    ids = {
        ext: cid
        for ext, cid in conn.execute(
            "SELECT external_id, id FROM customers WHERE account_id = %s", [account]
        )
    }
    conn.execute(
        "SELECT record_inbound_sms('in-1', '+13125550001', 'other', 'Can I come earlier?', %s)",
        [OWN_NUMBER],
    )
    return {"account": account, "campaign": campaign, "c1": ids["c1"], "c2": ids["c2"]}


def _form(browser, customer: int) -> dict:
    page = browser.get(f"/inbox/{customer}").get_data(as_text=True)
    token = page.split('name="form_token" value="')[1].split('"')[0]
    return {"form_token": token, "channel": "sms"}


def _counts(conn) -> tuple[int, int]:
    return conn.execute(
        "SELECT (SELECT count(*) FROM answers), (SELECT count(*) FROM messages WHERE campaign_id = 0)"
    ).fetchone()


def test_an_answer_goes_out_once_through_the_worker_from_the_number_written_to(
    app, conn, db_url, clinic
):
    c1 = clinic["c1"]
    report_before = conn.execute(
        "SELECT * FROM campaign_counts(%s)", [clinic["campaign"]]
    ).fetchall()
    events_before = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    desk, _, _ = _enrolled_person(app, conn, clinic["account"], "desk@example.com", "staff")
    form = {**_form(desk, c1), "text": "  Yes, 9:30 works: see you then {{ not a template }}  "}
    first = desk.post(f"/inbox/{c1}/answer", form, refresh=f"/inbox/{c1}")
    again = desk.post(f"/inbox/{c1}/answer", form, refresh=f"/inbox/{c1}")  # a double submit
    assert first.status_code == again.status_code == 302
    assert _counts(conn) == (1, 1)
    (status, location) = conn.execute(
        "SELECT m.status, l.external_id FROM messages m JOIN locations l ON l.id = m.location_id"
        " WHERE m.campaign_id = 0"
    ).fetchone()
    assert (status, location) == ("ready", "north")  # queued for the worker, not sent here
    sent = _run_worker(db_url)
    (out,) = sent.seen
    assert out.body == "Yes, 9:30 works: see you then {{ not a template }}"  # as written
    assert out.recipient == "+13125550001" and out.origination == OWN_NUMBER
    assert conn.execute(
        "SELECT o.body FROM outbox o JOIN messages m ON m.id = o.message_id WHERE m.campaign_id = 0"
    ).fetchone() == ("Yes, 9:30 works: see you then {{ not a template }}",)
    assert conn.execute("SELECT status FROM messages WHERE campaign_id = 0").fetchone() == ("sent",)
    assert _run_worker(db_url).seen == []  # never a second time
    thread = desk.get(f"/inbox/{c1}").get_data(as_text=True)
    assert "Answer by desk@example.com" in thread and "(sms, sent)" in thread
    assert "Yes, 9:30 works" in thread
    audited = conn.execute(
        "SELECT actor_role, object_id, after FROM audit_log WHERE action = 'conversation.answered'"
    ).fetchall()
    assert len(audited) == 1 and audited[0][0] == "staff" and audited[0][1] == str(c1)
    assert audited[0][2]["channel"] == "sms" and audited[0][2]["status"] == "queued"
    # the campaign's report, its rollups and the integrators' feed do not count the answer
    assert (
        conn.execute("SELECT * FROM campaign_counts(%s)", [clinic["campaign"]]).fetchall()
        == report_before
    )
    assert conn.execute("SELECT * FROM check_rollups()").fetchall() == []
    assert [r for r in conn.execute("SELECT * FROM check_references()") if r[1]] == []
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == events_before
    # a "YES" after the answer still confirms the appointment the reminder was about
    conn.execute(
        "SELECT record_inbound_sms('in-2', '+13125550001', 'confirm', 'YES', %s)", [OWN_NUMBER]
    )
    assert conn.execute(
        "SELECT m.campaign_id FROM message_events e JOIN messages m ON m.id = e.message_id"
        " WHERE e.kind = 'confirmed'"
    ).fetchone() == (clinic["campaign"],)


def test_refusals_say_why_and_write_nothing(app, conn, clinic):
    c1 = clinic["c1"]
    desk, _, _ = _enrolled_person(app, conn, clinic["account"], "desk@example.com", "staff")
    empty = desk.post(f"/inbox/{c1}/answer", {**_form(desk, c1), "text": "   "})
    assert empty.status_code == 400 and "the answer is empty" in empty.get_data(as_text=True)
    long = desk.post(f"/inbox/{c1}/answer", {**_form(desk, c1), "text": "x" * 1601})
    assert long.status_code == 400
    assert "1,601 characters; at most 1,600" in long.get_data(as_text=True)
    consent.record(conn, c1, "sms", "opt_out", "test", "STOP")
    form = {**_form(desk, c1), "text": "Are you still coming?"}
    opted = desk.post(f"/inbox/{c1}/answer", form)
    text = opted.get_data(as_text=True)
    assert opted.status_code == 409 and "opted out of SMS" in text
    assert "Are you still coming?" in text  # the form keeps what was written
    assert _counts(conn) == (0, 0)
    assert conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'conversation.answered'"
    ).fetchone() == (0,)


def test_quiet_hours_refuse_then_schedule_for_the_next_allowed_time(app, conn, db_url, clinic):
    c1 = clinic["c1"]
    _window(conn, "north", open_now=False)
    desk, _, _ = _enrolled_person(app, conn, clinic["account"], "desk@example.com", "staff")
    form = {**_form(desk, c1), "text": "We can see you at 9:30."}
    quiet = desk.post(f"/inbox/{c1}/answer", form)
    text = quiet.get_data(as_text=True)
    assert quiet.status_code == 409 and "quiet hours" in text
    assert "Send at the next allowed time" in text and _counts(conn) == (0, 0)
    scheduled = desk.post(f"/inbox/{c1}/answer", {**form, "schedule": "next_allowed"})
    assert scheduled.status_code == 302
    status, send_at = conn.execute(
        "SELECT status, send_at FROM messages WHERE campaign_id = 0"
    ).fetchone()
    start = conn.execute(
        "SELECT send_window_start FROM locations WHERE external_id = 'north'"
    ).fetchone()[0]
    local = send_at.astimezone(CHICAGO)
    assert status == "scheduled" and local.time() == start
    assert timedelta(0) < send_at - datetime.now(CHICAGO) < timedelta(hours=24)
    assert _run_worker(db_url).seen == []  # held until the window opens
    conn.execute("UPDATE messages SET send_at = now() - interval '1 second' WHERE campaign_id = 0")
    (out,) = _run_worker(db_url).seen
    assert out.body == "We can see you at 9:30."
    assert (
        "scheduled"
        in conn.execute(
            "SELECT after ->> 'status' FROM audit_log WHERE action = 'conversation.answered'"
        ).fetchone()[0]
    )


def test_viewers_other_locations_and_other_accounts_cannot_answer(app, conn, clinic):
    c1, c2 = clinic["c1"], clinic["c2"]
    viewer, _, _ = _enrolled_person(app, conn, clinic["account"], "viewer@example.com", "viewer")
    page = viewer.get(f"/inbox/{c1}").get_data(as_text=True)
    assert "/answer" not in page  # no form for a viewer
    forged = {"form_token": "f" * 32, "channel": "sms", "text": "hello"}
    assert viewer.post(f"/inbox/{c1}/answer", forged, refresh=f"/inbox/{c1}").status_code == 403
    south = conn.execute("SELECT id FROM locations WHERE external_id = 'south'").fetchone()[0]
    scoped = _enrolled_person_from_link(
        app,
        _invite_link(conn, clinic["account"], "south@example.com", "staff", location_id=south),
        "south@example.com",
    )
    assert scoped.post(f"/inbox/{c1}/answer", forged, refresh="/inbox").status_code == 404
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com", "owner")
    assert intruder.post(f"/inbox/{c2}/answer", forged, refresh="/inbox").status_code == 404
    assert _counts(conn) == (0, 0)
    # the south member answers their own customer, as their location
    assert scoped.post(f"/inbox/{c2}/answer", {**forged, "form_token": "g" * 32}).status_code == 302
    assert conn.execute(
        "SELECT a.customer_id, l.external_id FROM answers a JOIN locations l ON l.id = a.location_id"
    ).fetchall() == [(c2, "south")]


def test_a_quick_reply_is_a_template_rendered_for_the_customer_and_editable(app, conn, clinic):
    c1 = clinic["c1"]
    made = templates.create_template(
        conn,
        clinic["account"],
        "Earlier slot",
        "sms",
        "Hi {{ first_name }}, we can see you earlier on {{ appointment_date }}. {{ room }}",
    )
    desk, _, _ = _enrolled_person(app, conn, clinic["account"], "desk@example.com", "staff")
    quick = IDS.encode(made["id"])
    page = desk.get(f"/inbox/{c1}?quick={quick}").get_data(as_text=True)
    textarea = page.split('id="text"')[1].split("</textarea>")[0]
    assert "Hi Name1, we can see you earlier on" in textarea and "[room]" in textarea
    assert "fill in: room" in page
    edited = {**_form(desk, c1), "text": "Hi Name1, we can see you earlier on Friday, room 4."}
    edited["template_id"] = str(quick)
    assert desk.post(f"/inbox/{c1}/answer", edited).status_code == 302
    assert conn.execute("SELECT body, template_id FROM answers").fetchone() == (
        "Hi Name1, we can see you earlier on Friday, room 4.",
        made["id"],
    )


def test_a_reply_keeps_the_number_it_reached(conn, clinic):
    (m1,) = conn.execute(
        "SELECT id FROM messages WHERE customer_id = %s AND campaign_id <> 0", [clinic["c1"]]
    ).fetchone()
    replies.handle_reply(conn, m1, "thanks")
    assert conn.execute(
        "SELECT data ->> 'to' FROM message_events WHERE kind = 'reply' ORDER BY id"
    ).fetchall() == [(OWN_NUMBER,), (None,)]


def test_an_answer_retries_by_its_own_policy_and_a_crash_mid_call_never_resends(app, conn, clinic):
    c1 = clinic["c1"]
    desk, _, _ = _enrolled_person(app, conn, clinic["account"], "desk@example.com", "staff")
    form = {**_form(desk, c1), "text": "Call us back, please."}
    assert desk.post(f"/inbox/{c1}/answer", form).status_code == 302
    (claimed,) = dq.claim(conn, "w1", 10)
    assert claimed.campaign_id == 0 and claimed.step == 0
    before = datetime.now(UTC)
    assert dq.fail(conn, "w1", [(claimed.id, "throttled", False)]) == {claimed.id: "retry"}
    (send_at,) = conn.execute("SELECT send_at FROM messages WHERE id = %s", [claimed.id]).fetchone()
    assert timedelta(seconds=23) < send_at - before < timedelta(seconds=37)  # 30 s +-20%
    conn.execute("UPDATE messages SET send_at = now() WHERE id = %s", [claimed.id])
    assert dq.mark_ready(conn) == 1
    # the worker marks the send and dies during the provider call: failed, never sent again
    (claimed,) = dq.claim(conn, "w2", 10, timedelta(seconds=1))
    assert dq.begin_sends(conn, "w2", [claimed.id]) == {claimed.id: "send"}
    conn.execute(
        "UPDATE messages SET lease_expires_at = now() - interval '1 second' WHERE id = %s",
        [claimed.id],
    )
    assert dq.reclaim_expired_leases(conn) == 1
    assert conn.execute(
        "SELECT status, reason FROM messages WHERE id = %s", [claimed.id]
    ).fetchone() == ("failed", "send_outcome_unknown")
    thread = desk.get(f"/inbox/{c1}").get_data(as_text=True)
    assert "(sms, failed (send_outcome_unknown))" in thread


def test_erasing_the_customer_removes_answers_texts_and_cancels_the_pending(app, conn, clinic):
    c1 = clinic["c1"]
    owner, _, _ = _enrolled_person(app, conn, clinic["account"], "owner@example.com")
    form = {**_form(owner, c1), "text": "Your results are in."}
    assert owner.post(f"/inbox/{c1}/answer", form).status_code == 302
    erased = owner.post(f"/customers/{c1}/erase", {"confirm": "erase"}, refresh=f"/customers/{c1}")
    assert erased.status_code == 302
    assert conn.execute(
        "SELECT a.body, m.status, m.reason FROM answers a"
        " JOIN messages m ON m.campaign_id = 0 AND m.appointment_id = -a.id"
    ).fetchone() == ("", "cancelled", "erased")


def test_the_database_refuses_an_answer_outside_the_members_location(app, conn, clinic):
    """Row-level security, whatever SQL runs: a member scoped to south cannot write an
    answer to north's customer, nor read north's answers."""
    from tests.test_people import _as_member, _leave

    south, north = (
        conn.execute("SELECT id FROM locations WHERE external_id = %s", [x]).fetchone()[0]
        for x in ("south", "north")
    )
    (user,) = conn.execute(
        "INSERT INTO users (email) VALUES ('s@example.com') RETURNING id"
    ).fetchone()
    insert = (
        "INSERT INTO answers (account_id, customer_id, user_id, channel, body, form_token)"
        " VALUES (%s, %s, %s, 'sms', 'x', md5(random()::text))"
    )
    _as_member(conn, clinic["account"], "staff", south)
    try:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(insert, [clinic["account"], clinic["c1"], user])
        conn.execute(insert, [clinic["account"], clinic["c2"], user])  # their own customer
    finally:
        _leave(conn)
    _as_member(conn, clinic["account"], "staff", north)
    try:
        assert conn.execute("SELECT count(*) FROM answers").fetchone() == (0,)
    finally:
        _leave(conn)


def test_an_email_answer_has_its_subject_and_an_unsubscribe_link(app, conn, db_url, clinic):
    c1 = clinic["c1"]
    desk, _, _ = _enrolled_person(app, conn, clinic["account"], "desk@example.com", "staff")
    form = {**_form(desk, c1), "channel": "email", "text": "Your forms are attached."}
    assert desk.post(f"/inbox/{c1}/answer", {**form, "subject": "Your forms"}).status_code == 302
    (out,) = _run_worker(db_url).seen
    assert (out.channel, out.recipient, out.subject) == ("email", "c1@example.com", "Your forms")
    assert out.body == "Your forms are attached." and out.origination is None
    assert "List-Unsubscribe" in out.headers


def test_a_form_token_spent_on_one_customer_is_refused_for_another(app, conn, clinic):
    """A form copied or left open after answering one customer, then sent for another, is
    refused as expired: it neither answers the second customer nor pretends it did."""
    c1, c2 = clinic["c1"], clinic["c2"]
    conn.execute(  # the second customer writes too: both conversations are open
        "SELECT record_inbound_sms('in-2', '+13125550002', 'other', 'And me?', %s)", [OWN_NUMBER]
    )
    desk, _, _ = _enrolled_person(app, conn, clinic["account"], "desk@example.com", "staff")
    assert desk.get(f"/inbox/{c2}").status_code == 200
    form = {**_form(desk, c1), "text": "See you at 9:30"}
    assert desk.post(f"/inbox/{c1}/answer", form, refresh=f"/inbox/{c1}").status_code == 302
    reused = desk.post(f"/inbox/{c2}/answer", form, refresh=f"/inbox/{c2}")
    assert reused.status_code == 400
    assert "the form expired" in reused.get_data(as_text=True)
    assert conn.execute(
        "SELECT count(*) FROM answers a JOIN customers c ON c.id = a.customer_id"
        " WHERE c.external_id = 'c2'"
    ).fetchone() == (0,)
    assert _counts(conn) == (1, 1)
