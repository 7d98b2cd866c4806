"""Events for API consumers: written once, in the transaction of the change (the outbox), by
the statement triggers of db/procedures/150_events.sql. Real database, real procedures."""

from __future__ import annotations

import psycopg
import pytest

from app_service import dispatch_queue as dq
from app_service.replies import handle_reply
from tests.helpers import load_rows, make_campaign, person


def events(conn: psycopg.Connection, *types: str) -> list[dict]:
    """Each event's row, its `data` the payload readers get (event_data: built from the row's
    columns for a message event)."""
    cur = conn.cursor(row_factory=psycopg.rows.dict_row)
    found = cur.execute(
        "SELECT e.*, event_data(e) AS payload FROM events e"
        " WHERE cardinality(%s::text[]) = 0 OR type = ANY(%s::text[]) ORDER BY id",
        [list(types), list(types)],
    ).fetchall()
    for r in found:
        r["data"] = r.pop("payload")
    return found


def send_step(conn: psycopg.Connection, step: int = 1) -> list[int]:
    conn.execute("UPDATE messages SET send_at = now() WHERE step = %s", [step])
    dq.mark_ready(conn)
    ids = [m.id for m in dq.claim(conn, "w", limit=100)]
    dq.complete(conn, "w", ids, [f"p-{i}" for i in ids])
    # in the customers' order (c1, c2, ...), whatever order the claim took them in
    found = conn.execute(
        "SELECT m.id FROM messages m JOIN customers c ON c.id = m.customer_id"
        " WHERE m.id = ANY(%s) ORDER BY length(c.external_id), c.external_id",
        [ids],
    )
    return [r[0] for r in found]


@pytest.fixture
def location(conn, account) -> int:
    return conn.execute(
        "INSERT INTO locations (account_id, external_id, name) VALUES (%s, 'loc-9', 'Main') RETURNING id",
        [account],
    ).fetchone()[0]


def test_packet_ready_and_message_lifecycle_events_carry_external_ids(conn, account, location):
    campaign = make_campaign(conn, account, offsets=(-48, -2))
    result = load_rows(conn, campaign, [person(1, location_id="loc-9"), person(2)])
    (ready,) = events(conn, "packet.ready")
    assert ready["packet_id"] == result.packet_id and ready["data"]["packet"]["rows_accepted"] == 2
    assert ready["data"]["packet"]["messages_planned"] == 4
    assert events(conn, "message.sent") == []  # planning (inserts) and mark_ready emit nothing

    first, second = send_step(conn)
    sent = events(conn, "message.sent")
    assert sorted(e["message_id"] for e in sent) == sorted([first, second])
    sent.sort(key=lambda e: e["customer_external_id"])
    e = sent[0]
    assert (e["customer_external_id"], e["appointment_external_id"], e["location_external_id"]) == (
        "c1",
        "a1",
        "loc-9",
    )
    assert e["data"]["customer"] == {"id": e["customer_id"], "external_id": "c1"}
    assert e["data"]["appointment"]["external_id"] == "a1"
    assert e["data"]["location"] == {"id": location, "external_id": "loc-9"}
    assert e["data"]["message"]["status"] == "sent" and e["data"]["message"]["step"] == 1
    assert sent[1]["data"]["location"] is None
    # no personal data in any payload: no phone, email, name or message text
    text = str([x["data"] for x in events(conn)])
    for secret in ("555", "example.com", "Name1", "Hello"):
        assert secret not in text

    conn.execute("SELECT record_delivery('sms', 'evt-1', %s, 'delivered')", [f"p-{first}"])
    conn.execute("SELECT record_delivery('sms', 'evt-1', %s, 'delivered')", [f"p-{first}"])  # dup
    assert [e["message_id"] for e in events(conn, "message.delivered")] == [first]
    conn.execute("SELECT record_delivery('sms', 'evt-2', %s, 'failed')", [f"p-{second}"])
    assert [e["message_id"] for e in events(conn, "message.failed")] == [second]


def test_retry_then_dead_and_permanent_failure(conn, account):
    campaign = make_campaign(conn, account, offsets=(-48,), max_attempts=2)
    load_rows(conn, campaign, [person(1), person(2)])
    conn.execute("UPDATE messages SET send_at = now()")
    dq.mark_ready(conn)
    a, b = [m.id for m in dq.claim(conn, "w", limit=10)]
    assert dq.fail(conn, "w", [(a, "timeout", False), (b, "invalid number", True)]) == {
        a: "retry",
        b: "failed",
    }
    assert [e["message_id"] for e in events(conn, "message.failed")] == [b]
    assert events(conn, "message.dead") == []  # a retry is not an event
    conn.execute("UPDATE messages SET send_at = now() WHERE id = %s", [a])
    dq.mark_ready(conn)
    dq.claim(conn, "w")
    assert dq.fail(conn, "w", [(a, "timeout", False)]) == {a: "dead"}
    (dead,) = events(conn, "message.dead")
    assert dead["message_id"] == a and dead["data"]["message"]["attempts"] == 2
    assert "timeout" not in str(dead["data"])  # provider errors may quote addresses


def test_replies_confirmations_cancellations_and_consent(conn, account):
    campaign = make_campaign(conn, account, offsets=(-48, -2))
    load_rows(conn, campaign, [person(1), person(2)])
    m1, m2 = send_step(conn)
    assert handle_reply(conn, m1, "Yes, confirmed") == "confirm"
    assert handle_reply(conn, m2, "No I cannot come") == "cancel"
    assert handle_reply(conn, m2, "STOP") == "opt_out"
    replies = events(conn, "reply.received")
    assert [(e["message_id"], e["data"]["intent"]) for e in replies] == [
        (m1, "confirm"),
        (m2, "cancel"),
        (m2, "opt_out"),
    ]
    (confirmed,) = events(conn, "appointment.confirmed")
    assert confirmed["appointment_external_id"] == "a1"
    (cancelled,) = events(conn, "appointment.cancelled_by_customer")
    assert cancelled["appointment_external_id"] == "a2"
    assert cancelled["data"]["appointment"]["status"] == "cancelled"
    (opted_out,) = events(conn, "consent.opted_out")
    assert opted_out["data"] == {
        "customer": {"id": opted_out["customer_id"], "external_id": "c2"},
        "channel": "sms",
        "source": "sms reply",
    }
    handle_reply(conn, m2, "START")
    assert len(events(conn, "consent.opted_in")) == 1
    assert "cannot come" not in str([e["data"] for e in events(conn)])


def test_survey_answers_and_review_clicks(conn, account):
    survey = make_campaign(conn, account, kind="survey", offsets=(-48,))
    review = make_campaign(conn, account, kind="review_request", offsets=(-48,))
    load_rows(conn, survey, [person(1)])
    load_rows(conn, review, [person(2)])
    s, r = send_step(conn)
    conn.execute("SELECT record_survey_response(%s, 9, 'Lovely staff', 'web')", [s])
    conn.execute("SELECT record_survey_response(%s, 2, 'again', 'web')", [s])  # first wins
    (answered,) = events(conn, "survey.answered")
    assert answered["data"]["score"] == 9 and answered["data"]["comment"] == "Lovely staff"
    assert answered["appointment_external_id"] == "a1"
    conn.execute("SELECT record_click(%s, 'survey')", [s])
    conn.execute("SELECT record_click(%s, 'review_request')", [r])
    conn.execute("SELECT record_click(%s, 'review_request')", [r])  # the first click only
    (clicked,) = events(conn, "review.clicked")
    assert clicked["message_id"] == r and clicked["customer_external_id"] == "c2"


def test_a_failed_packet_and_a_rolled_back_change_emit_nothing_more(conn, account):
    campaign = make_campaign(conn, account, offsets=(-48,))
    failed = load_rows(conn, campaign, [])  # an empty packet fails whole
    (event,) = events(conn, "packet.failed")
    assert event["packet_id"] == failed.packet_id and event["data"]["packet"]["failure_reason"]
    load_rows(conn, campaign, [person(1)])
    before = len(events(conn))
    with pytest.raises(RuntimeError), conn.transaction():
        send_step(conn)
        assert len(events(conn, "message.sent")) == 1  # inside the transaction
        raise RuntimeError("rolled back")
    assert len(events(conn)) == before
    # a dry run (a load rolled back) writes no event either
    load_rows(conn, campaign, [person(3)], dry_run=True)
    assert len(events(conn)) == before
