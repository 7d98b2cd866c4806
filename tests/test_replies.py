"""Inbound replies: keywords in any case, with punctuation and words around them, and what
each one changes in the database."""

from __future__ import annotations

import pytest
from helpers import load_rows, make_campaign, person, statuses

from app_service import dispatch_queue as dq
from app_service.replies import classify, handle_reply


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("STOP", "opt_out"),
        ("stop", "opt_out"),
        ("Stop please", "opt_out"),
        ("please stop!", "opt_out"),
        ("STOPALL", "opt_out"),
        ("Unsubscribe.", "opt_out"),
        ("cancel", "opt_out"),
        ("END", "opt_out"),
        ("quit", "opt_out"),
        ("START", "opt_in"),
        ("unstop", "opt_in"),
        ("help?", "help"),
        ("YES", "confirm"),
        ("y", "confirm"),
        ("C", "confirm"),
        ("Confirm!!", "confirm"),
        ("yes, see you then", "confirm"),
        ("NO", "cancel"),
        ("n", "cancel"),
        ("No, I can't make it", "cancel"),
        ("Can I come at 3 instead?", "other"),
        ("", "other"),
        ("👍", "other"),
        (
            "I could not stop laughing at the last visit, the dentist is great and I will certainly be back",
            "other",
        ),
    ],
)
def test_classify(text, kind):
    assert classify(text) == kind


@pytest.fixture
def first_message(conn, account):
    campaign = make_campaign(conn, account, offsets=(-48, -2))
    load_rows(conn, campaign, [person(1), person(2)])
    conn.execute("UPDATE messages SET send_at = now() WHERE step = 1")
    dq.mark_ready(conn)
    sent = dq.claim(conn, "w", limit=10)
    dq.complete(conn, "w", [m.id for m in sent])
    return min(m.id for m in sent)


def test_confirm_skips_the_remaining_reminders_of_that_appointment(conn, first_message):
    assert handle_reply(conn, first_message, "Yes!") == "confirm"
    assert statuses(conn) == {"sent": 2, "suppressed:confirmed": 1, "scheduled": 1}
    kinds = [k for (k,) in conn.execute("SELECT kind FROM message_events ORDER BY id")]
    assert kinds == ["reply", "confirmed"]


def test_no_cancels_the_appointment_and_its_pending_messages(conn, first_message):
    assert handle_reply(conn, first_message, "No, sorry") == "cancel"
    assert statuses(conn) == {"sent": 2, "cancelled:appointment_cancelled": 1, "scheduled": 1}
    assert conn.execute(
        "SELECT count(*) FROM appointments WHERE status = 'cancelled'"
    ).fetchone() == (1,)


def test_stop_opts_out_at_once_and_start_opts_back_in(conn, first_message):
    assert handle_reply(conn, first_message, "Stop please") == "opt_out"
    assert statuses(conn) == {"sent": 2, "suppressed:opted_out": 1, "scheduled": 1}
    ledger = conn.execute("SELECT action, source, note FROM consent_events").fetchall()
    assert ledger == [("opt_out", "sms reply", "Stop please")]
    handle_reply(conn, first_message, "START")
    assert conn.execute(
        "SELECT count(*) FROM customers WHERE sms_opted_out_at IS NOT NULL"
    ).fetchone() == (0,)


def test_free_text_is_kept_for_the_operator(conn, first_message):
    assert handle_reply(conn, first_message, "Can I come at 3 instead?") == "other"
    (data,) = conn.execute("SELECT data FROM message_events").fetchone()
    assert data == {"text": "Can I come at 3 instead?", "classified": "other"}
    assert statuses(conn) == {"sent": 2, "scheduled": 2}
