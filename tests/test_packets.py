"""Library-to-database: loading, validating and planning packets, and their failure paths."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import psycopg
import pytest
from helpers import csv_bytes, load_csv, load_rows, local, make_campaign, make_due, person, statuses

from app_service import campaigns, consent, packet_state, packets
from app_service.packet_source import csv_source, json_source


def test_packet_goes_through_load_validate_plan(conn, campaign):
    result = load_rows(conn, campaign, [person(i) for i in range(1, 6)])
    assert result.created
    assert (result.status, result.rows_submitted, result.rows_accepted, result.rows_rejected) == (
        "ready",
        5,
        5,
        0,
    )
    assert result.messages_planned == 10  # 5 appointments x 2 steps
    status = packet_state.packet_status(conn, result.packet_id)
    assert status.messages == {"scheduled": 10}
    assert status.appointments == {
        "new": 5,
        "moved": 0,
        "cancelled": 0,
        "absent": 0,
        "unchanged": 0,
    }
    assert set(status.stage_seconds) == {"load", "validate", "plan"}
    customer = conn.execute(
        "SELECT phone, email FROM customers WHERE external_id = 'c1'"
    ).fetchone()
    assert customer == ("+13125550001", "c1@example.com")


def test_send_times_follow_the_steps(conn, campaign):
    conn.execute("SET TIME ZONE 'UTC'")
    result = load_rows(conn, campaign, [person(1, hours=100)])
    starts = conn.execute("SELECT starts_at FROM appointments").fetchone()[0]
    sends = [r[0] for r in conn.execute("SELECT send_at FROM messages ORDER BY step")]
    assert sends == [starts - timedelta(hours=48), starts - timedelta(hours=2)]
    assert result.messages_planned == 2


def test_bad_rows_are_rejected_one_by_one_and_good_rows_go_on(conn, campaign):
    rows = [
        person(1),
        person(2, phone="555-12"),
        person(3, email="not-an-email"),
        person(4, timezone="Mars/Olympus"),
        person(5, appointment_at="next tuesday"),
        person(6, appointment_id=""),
        person(7, status="maybe"),
        person(8, customer_id=""),
        person(9, phone=""),
        person(10, appointment_id="a1"),  # the same appointment as row 1
        person(11, appointment_at="2026-02-30T10:00"),
        person(12),
    ]
    result = load_rows(conn, campaign, rows)
    # row 3's email is not used by this SMS campaign: dropped with a warning, the row goes on
    assert (result.rows_submitted, result.rows_accepted, result.rows_rejected) == (12, 3, 9)
    errors = {
        e.row_no: (e.column, e.reason) for e in packet_state.row_errors(conn, result.packet_id)
    }
    assert errors == {
        2: ("phone", "is not a valid phone number (default country US)"),
        4: ("timezone", "is not an IANA timezone name"),
        5: ("appointment_at", "is not an ISO 8601 date-time"),
        6: ("appointment_id", "is required for a reminder campaign"),
        7: ("status", "must be booked or cancelled"),
        8: ("customer_id", "is required"),
        9: ("phone", "is required for an sms campaign"),
        10: ("appointment_id", "duplicates row 1 of this packet"),
        11: ("appointment_at", "is not an ISO 8601 date-time"),
    }
    values = {e.row_no: e.value for e in packet_state.row_errors(conn, result.packet_id)}
    assert values[2] == "555-12"
    assert result.messages_planned == 6
    status = packet_state.packet_status(conn, result.packet_id)
    assert sum(n for _, _, n in status.rejected_by_reason) == 9
    assert status.rows_warned == 1
    assert status.warnings_by_reason == [("email", "dropped: not a valid email address", 1)]
    email = conn.execute("SELECT email FROM customers WHERE external_id = 'c3'").fetchone()
    assert email == (None,)


def test_every_error_of_a_row_is_reported(conn, campaign):
    rows = [person(1, phone="12", timezone="Mars/Olympus", appointment_id="", status="maybe")]
    result = load_rows(conn, campaign, rows)
    (error,) = packet_state.row_errors(conn, result.packet_id)
    assert (error.column, error.reason) == ("status", "must be booked or cancelled")
    assert [(i.column, i.reason) for i in error.errors] == [
        ("status", "must be booked or cancelled"),
        ("phone", "is not a valid phone number (default country US)"),
        ("timezone", "is not an IANA timezone name"),
        ("appointment_id", "is required for a reminder campaign"),
    ]


def test_a_cancellation_needs_only_its_ids(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    result = load_rows(
        conn, campaign, [{"customer_id": "c1", "appointment_id": "a1", "status": "cancelled"}]
    )
    assert (result.rows_accepted, result.rows_rejected) == (1, 0)
    status = packet_state.packet_status(conn, result.packet_id)
    assert status.appointments["cancelled"] == 1
    kept = conn.execute("SELECT status, starts_at IS NOT NULL FROM appointments").fetchone()
    assert kept == ("cancelled", True)
    assert dict(conn.execute("SELECT status, count(*) FROM messages GROUP BY 1").fetchall()) == {
        "cancelled": 2
    }


def test_an_empty_packet_fails_with_its_reason(conn, campaign):
    result = load_rows(conn, campaign, [])
    assert (result.status, result.problem, result.failure_reason) == (
        "failed",
        "empty",
        "the packet holds no rows",
    )


def test_row_errors_are_paginated_by_row_number(conn, campaign):
    rows = [person(i, phone="12") for i in range(1, 8)]
    result = load_rows(conn, campaign, rows)
    first = packet_state.row_errors(conn, result.packet_id, limit=3)
    second = packet_state.row_errors(conn, result.packet_id, after=first[-1].row_no, limit=3)
    third = packet_state.row_errors(conn, result.packet_id, after=second[-1].row_no, limit=3)
    assert [e.row_no for e in first + second + third] == list(range(1, 8))


def test_unreadable_rows_from_csv_are_rejected_with_reasons(conn, campaign):
    good = csv_bytes([person(1), person(2)]).decode()
    header, row1, row2 = good.strip().split("\r\n")
    body = "\r\n".join([header, row1, "c9,only,three", row2.replace("Name2", "Na\x00me")]).encode()
    body += b"\r\nc10,Bad\xff,(312) 555-0010,c10@example.com,a10," + local(72).encode() + b"\r\n"
    result = load_csv(conn, campaign, body)
    assert (result.rows_submitted, result.rows_accepted, result.rows_rejected) == (4, 1, 3)
    reasons = [
        (e.row_no, e.column, e.reason) for e in packet_state.row_errors(conn, result.packet_id)
    ]
    assert reasons == [
        (2, "row", "has 3 fields; the header has 6"),
        (3, "first_name", "contains a NUL character"),
        (4, "first_name", "is not valid UTF-8"),
    ]


def test_unusable_header_fails_the_packet_with_a_reason_and_no_rows(conn, campaign):
    result = load_csv(conn, campaign, b"name,phone\nAnn,3125550134\n")
    assert result.status == "failed"
    assert result.failure_reason == "the header has no customer_id column"
    assert conn.execute("SELECT count(*) FROM packet_rows").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (0,)


def test_malformed_json_fails_the_packet_and_keeps_nothing_half_loaded(conn, campaign):
    body = json.dumps([person(i) for i in range(1, 50)]).encode()[:-40]
    result = packets.load_packet(conn, campaign, json_source(io.BytesIO(body), "p.json"))
    assert result.status == "failed"
    assert "JSON is malformed" in result.failure_reason
    for table in ("packet_rows", "customers", "appointments", "messages"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def test_same_content_twice_is_one_packet(conn, campaign):
    body = csv_bytes([person(i) for i in range(1, 4)])
    first = load_csv(conn, campaign, body)
    second = load_csv(conn, campaign, body)
    assert first.created and not second.created
    assert second.packet_id == first.packet_id == second.duplicate_of
    assert conn.execute("SELECT count(*) FROM packets").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (6,)


def test_same_idempotency_key_returns_the_first_packet(conn, campaign):
    first = load_rows(conn, campaign, [person(1)], idempotency_key="upload-7")
    second = load_rows(conn, campaign, [person(1), person(2)], idempotency_key="upload-7")
    assert not second.created and second.packet_id == first.packet_id
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (2,)


def test_same_rows_in_a_new_packet_plan_nothing_twice(conn, campaign):
    load_rows(conn, campaign, [person(1), person(2)])
    again = load_rows(conn, campaign, [person(2), person(1)])  # other order: other checksum
    assert again.created
    assert again.messages_planned == 0
    status = packet_state.packet_status(conn, again.packet_id)
    assert status.appointments["unchanged"] == 2
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (4,)


def test_later_packet_cancelling_an_appointment_cancels_its_pending_messages(conn, campaign):
    load_rows(conn, campaign, [person(1), person(2)])
    result = load_rows(conn, campaign, [person(1, status="cancelled")])
    assert packet_state.packet_status(conn, result.packet_id).appointments["cancelled"] == 1
    a1 = conn.execute("SELECT id FROM appointments WHERE external_id = 'a1'").fetchone()[0]
    assert statuses(conn, appointment_id=a1) == {"cancelled:appointment_cancelled": 2}
    assert statuses(conn) == {"cancelled:appointment_cancelled": 2, "scheduled": 2}


def test_moved_appointment_replans_pending_messages_and_keeps_sent_ones(conn, campaign):
    conn.execute("SET TIME ZONE 'UTC'")
    load_rows(conn, campaign, [person(1, hours=100)])
    # the first step was sent already
    conn.execute("UPDATE messages SET status = 'sent', sent_at = now() WHERE step = 1")
    result = load_rows(conn, campaign, [person(1, hours=150)])
    assert packet_state.packet_status(conn, result.packet_id).appointments["moved"] == 1
    starts = conn.execute("SELECT starts_at FROM appointments").fetchone()[0]
    rows = conn.execute("SELECT step, status, send_at FROM messages ORDER BY step").fetchall()
    assert rows[0][:2] == (1, "sent")  # never sent twice for the same step
    assert rows[1] == (2, "scheduled", starts - timedelta(hours=2))
    assert result.messages_planned == 0


def test_rebooking_a_cancelled_appointment_revives_its_messages(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    load_rows(conn, campaign, [person(1, status="cancelled")])
    load_rows(conn, campaign, [person(1, hours=80)])
    assert statuses(conn) == {"scheduled": 2}


def test_appointment_given_to_another_customer_moves_its_messages(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    load_rows(conn, campaign, [person(2, appointment_id="a1")])
    by_customer = dict(
        conn.execute(
            "SELECT c.external_id, string_agg(DISTINCT m.status || ':' || m.reason, ',') "
            "FROM messages m JOIN customers c ON c.id = m.customer_id GROUP BY 1"
        ).fetchall()
    )
    assert by_customer == {"c1": "cancelled:appointment_reassigned", "c2": "scheduled:"}


def test_opted_out_customer_gets_suppressed_messages(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    customer = conn.execute("SELECT id FROM customers").fetchone()[0]
    consent.record(conn, customer, "sms", "opt_out", "test")
    result = load_rows(conn, campaign, [person(1, appointment_id="a2")])
    assert packet_state.packet_status(conn, result.packet_id).messages == {
        "suppressed:opted_out": 2
    }


def test_opt_out_after_planning_suppresses_unsent_messages(conn, campaign):
    load_rows(conn, campaign, [person(1), person(2)])
    conn.execute("UPDATE messages SET status = 'sent', sent_at = now() WHERE step = 1")
    c1 = conn.execute("SELECT id FROM customers WHERE external_id = 'c1'").fetchone()[0]
    assert consent.record(conn, c1, "sms", "opt_out", "reply STOP", "STOP") == 1
    assert statuses(conn, customer_id=c1) == {"sent": 1, "suppressed:opted_out": 1}
    ledger = conn.execute("SELECT channel, action, source, note FROM consent_events").fetchall()
    assert ledger == [("sms", "opt_out", "reply STOP", "STOP")]
    consent.record(conn, c1, "sms", "opt_in", "reply START")
    assert conn.execute(
        "SELECT sms_opted_out_at FROM customers WHERE id = %s", [c1]
    ).fetchone() == (None,)


def test_reminder_past_its_appointment_is_suppressed_too_late(conn, campaign):
    result = load_rows(conn, campaign, [person(1, hours=-3)])
    assert packet_state.packet_status(conn, result.packet_id).messages == {"suppressed:too_late": 2}


def test_email_campaign_requires_email_and_suppresses_steps_without_address(conn, account):
    email_campaign = make_campaign(conn, account, kind="survey", channel="email", offsets=(2,))
    result = load_rows(conn, email_campaign, [person(1), person(2, email=""), person(3, phone="")])
    assert (result.rows_accepted, result.rows_rejected) == (2, 1)
    assert (
        packet_state.row_errors(conn, result.packet_id)[0].reason
        == "is required for an email campaign"
    )


def test_review_request_without_visit_time_is_refused(conn, account):
    review = make_campaign(conn, account, kind="review_request", offsets=(1,))
    result = load_rows(conn, review, [{"customer_id": "c1", "phone": "3125550001"}])
    assert (result.rows_accepted, result.rows_rejected) == (0, 1)
    (error,) = packet_state.row_errors(conn, result.packet_id)
    assert (error.column, error.reason) == (
        "appointment_at",
        "is required for a review request campaign",
    )


def test_merge_fields_keep_extra_columns(conn, campaign):
    load_rows(conn, campaign, [person(1, provider="Dr. Lee", pet="Rex")])
    fields = conn.execute("SELECT merge_fields FROM appointments").fetchone()[0]
    assert (
        fields["provider"] == "Dr. Lee"
        and fields["pet"] == "Rex"
        and fields["first_name"] == "Name1"
    )


def test_location_timezone_is_the_default_for_its_rows(conn, account, campaign):
    conn.execute(
        "INSERT INTO locations (account_id, external_id, timezone) VALUES (%s, 'ny', 'America/New_York')",
        [account],
    )
    load_rows(conn, campaign, [person(1, location_id="ny", appointment_at="2027-01-05T10:00")])
    conn.execute("SET TIME ZONE 'UTC'")
    assert conn.execute("SELECT starts_at::text, timezone FROM appointments").fetchone() == (
        "2027-01-05 15:00:00+00",
        "America/New_York",
    )


def test_packet_for_an_archived_or_missing_campaign_is_refused(conn, campaign):
    campaigns.archive_campaign(conn, campaign)
    with pytest.raises(psycopg.errors.NoDataFound):
        load_rows(conn, campaign, [person(1)])
    with pytest.raises(psycopg.errors.NoDataFound):
        load_rows(conn, 999_999, [person(1)])


def test_cancel_packet_cancels_only_unsent_messages(conn, campaign):
    result = load_rows(conn, campaign, [person(1), person(2)])
    conn.execute("UPDATE messages SET status = 'sent', sent_at = now() WHERE step = 1")
    assert packets.cancel_packet(conn, result.packet_id) == 2
    assert statuses(conn) == {"sent": 2, "cancelled:packet_cancelled": 2}
    assert packet_state.packet_status(conn, result.packet_id).status == "cancelled"


def test_interrupted_load_is_failed_by_the_stale_sweep(conn, db_url, campaign):
    """A loader that dies mid-COPY leaves only a 'received' packet; the sweep fails it."""

    def rows_then_crash():
        yield from [person(1), person(2)]
        raise KeyboardInterrupt  # the process dies: not an error the loader can handle

    with psycopg.connect(db_url, autocommit=True) as other:
        from app_service.packet_source import rows_source

        with pytest.raises(KeyboardInterrupt):
            packets.load_packet(other, campaign, rows_source(rows_then_crash()))
    (status,) = conn.execute("SELECT status FROM packets").fetchone()
    assert status == "failed"  # the loader still marked it on the way out
    conn.execute("UPDATE packets SET status = 'received', failure_reason = NULL")  # as if killed -9
    conn.execute("UPDATE packets SET received_at = now() - interval '2 hours'")
    assert conn.execute("SELECT fail_stale_packets('1 hour')").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM packet_rows").fetchone() == (0,)


def test_csv_from_a_file_stream(conn, campaign, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(csv_bytes([person(i) for i in range(1, 21)]))
    with path.open("rb") as fh:
        result = packets.load_packet(conn, campaign, csv_source(fh, path.name))
    assert result.rows_accepted == 20
    make_due(conn)
    assert conn.execute("SELECT mark_ready(100)").fetchone() == (40,)
