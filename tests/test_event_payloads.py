"""A message event's payload is built when it is read (event_data, 0027), from facts its row
kept at the change. Checked against the payload as the send's statement built it before 0027
(the same expression, over the same rows, right after each change), byte for byte, and against
what a later change must not alter. Real database, real procedures."""

from __future__ import annotations

import psycopg
import pytest

from app_service import dispatch_queue as dq
from tests.helpers import load_rows, make_campaign, person

# The payload as messages_emit_events built it in the changing statement before 0027, applied to
# the messages as they are now: right after a change, what that trigger wrote.
BUILT_AT_THE_CHANGE = """
SELECT m.id, jsonb_build_object(
    'message', jsonb_build_object('id', m.id, 'campaign_id', m.campaign_id,
                                  'packet_id', m.packet_id, 'step', m.step,
                                  'channel', m.channel, 'status', m.status,
                                  'reason', nullif(m.reason, ''), 'attempts', m.attempts),
    'customer', CASE WHEN cu.id IS NOT NULL THEN
                    jsonb_build_object('id', cu.id, 'external_id', cu.external_id) END,
    'appointment', CASE WHEN a.id IS NOT NULL THEN
                       jsonb_build_object('id', a.id, 'external_id', a.external_id,
                                          'starts_at', a.starts_at) END,
    'location', CASE WHEN l.id IS NOT NULL THEN
                    jsonb_build_object('id', l.id, 'external_id', l.external_id) END)::text
FROM messages m
LEFT JOIN customers cu ON cu.id = m.customer_id
LEFT JOIN appointments a ON a.id = m.appointment_id
LEFT JOIN locations l ON l.id = coalesce(m.location_id, a.location_id)
WHERE m.id = ANY(%s)
"""


def at_the_change(conn: psycopg.Connection, ids: list[int]) -> dict[int, str]:
    return dict(conn.execute(BUILT_AT_THE_CHANGE, [ids]).fetchall())


def read(conn: psycopg.Connection, event_type: str) -> dict[int, str]:
    """message id -> the payload a reader gets (as text: key order and number and timestamp
    spelling included), for the events of one type."""
    found = conn.execute(
        "SELECT message_id, event_data(e)::text FROM events e WHERE type = %s ORDER BY id",
        [event_type],
    ).fetchall()
    assert len({m for m, _ in found}) == len(found)  # one event per message and type
    return dict(found)


def test_message_payloads_built_when_read_are_the_ones_built_at_the_change(conn, account):
    conn.execute(
        "INSERT INTO locations (account_id, external_id, name) VALUES (%s, 'loc-1', 'Main')",
        [account],
    )
    campaign = make_campaign(conn, account, offsets=(-48,), max_attempts=2)
    load_rows(conn, campaign, [person(1, location_id="loc-1"), person(2), person(3), person(4)])
    conn.execute("UPDATE messages SET send_at = now()")
    dq.mark_ready(conn)
    claimed = [m.id for m in dq.claim(conn, "w", limit=10)]
    # in the customers' order: c1 (at loc-1), c2, c3, c4
    sent, bounced, refused, retried = (
        r[0]
        for r in conn.execute(
            "SELECT m.id FROM messages m JOIN customers c ON c.id = m.customer_id"
            " WHERE m.id = ANY(%s) ORDER BY c.external_id",
            [claimed],
        )
    )
    expected: dict[str, dict[int, str]] = {}

    dq.complete(conn, "w", [sent, bounced], [f"p-{sent}", f"p-{bounced}"], [1, 2])
    expected["message.sent"] = at_the_change(conn, [sent, bounced])
    assert dq.fail(conn, "w", [(refused, "invalid", True), (retried, "timeout", False)]) == {
        refused: "failed",
        retried: "retry",
    }
    expected["message.failed"] = at_the_change(conn, [refused])
    conn.execute("SELECT record_delivery('sms', 'r1', %s, 'delivered')", [f"p-{sent}"])
    expected["message.delivered"] = at_the_change(conn, [sent])
    conn.execute("SELECT record_delivery('sms', 'r2', %s, 'failed')", [f"p-{bounced}"])
    expected["message.failed"] |= at_the_change(conn, [bounced])
    conn.execute("UPDATE messages SET send_at = now() WHERE id = %s", [retried])
    dq.mark_ready(conn)
    dq.claim(conn, "w")
    assert dq.fail(conn, "w", [(retried, "timeout", False)]) == {retried: "dead"}
    expected["message.dead"] = at_the_change(conn, [retried])

    # every message event of this run is a lean row: no payload stored, all built when read
    assert conn.execute(
        "SELECT count(*), count(data) FROM events WHERE type LIKE 'message.%'"
    ).fetchone() == (6, 0)
    for event_type, payloads in expected.items():
        assert read(conn, event_type) == payloads, event_type
    sent_payload = conn.execute(
        "SELECT event_data(e) FROM events e WHERE type = 'message.sent' AND message_id = %s",
        [sent],
    ).fetchone()[0]
    assert sent_payload["location"]["external_id"] == "loc-1"
    assert sent_payload["message"]["reason"] is None and sent_payload["message"]["attempts"] == 1

    # A later change does not rewrite what was reported: the appointment moves (a new packet),
    # and every payload stays as it was at its change.
    load_rows(conn, campaign, [person(1, hours=96, location_id="loc-1")])
    moved = at_the_change(conn, [sent])[sent]
    assert moved != expected["message.sent"][sent]  # the start changed in the live rows
    for event_type, payloads in expected.items():
        assert read(conn, event_type) == payloads, event_type


def test_stored_payloads_and_missing_events_read_as_before(conn, account):
    """Events that keep their payload (every other type, and message events written before
    0027) are returned as stored; a delivery whose event was purged reads NULL."""
    stored = {"message": {"id": 1, "status": "sent"}, "customer": None}
    conn.execute(
        "INSERT INTO events (account_id, type, message_id, data) VALUES (%s, 'message.sent', 1, %s)",
        [account, psycopg.types.json.Jsonb(stored)],
    )
    assert conn.execute("SELECT event_data(e) FROM events e WHERE message_id = 1").fetchone() == (
        stored,
    )
    assert conn.execute("SELECT event_data(NULL::events)").fetchone() == (None,)
    # a row without a payload must carry what builds one
    with pytest.raises(psycopg.errors.CheckViolation, match="events_data_built"):
        conn.execute(
            "INSERT INTO events (account_id, type, data) VALUES (%s, 'packet.ready', NULL)",
            [account],
        )
