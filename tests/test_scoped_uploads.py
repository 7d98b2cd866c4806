"""A staff member scoped to one location uploads lists through the console's check page and
"Upload now", for their location only: a row for another location, or one naming a customer or
appointment kept by another location, is refused with its row number and reason, and nothing
of it is written (the other location's rows stay as they were; the database refuses the same
writes whatever code runs them). A row without a location is for theirs."""

from __future__ import annotations

import io

import psycopg
import pytest

from tests.api_support import make_tenant
from tests.helpers import csv_bytes, load_rows, make_campaign, person
from tests.test_people import (
    _as_member,
    _enrolled_person,
    _enrolled_person_from_link,
    _invite_link,
    _leave,
)

REFUSALS = {  # by row number (the first row after the header is row 1)
    3: "location_id: south is not your location (you upload for north only)",
    4: "customer_id: is kept by another location; only someone who sees every location may change this customer",
    5: "appointment_id: belongs to another location; only someone who sees every location may change it",
}


def _setup(app, conn):
    account = make_tenant(conn, app, "Chain").account_id
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(1, location_id="north"), person(4, location_id="south")])
    north = conn.execute("SELECT id FROM locations WHERE external_id = 'north'").fetchone()[0]
    desk = _enrolled_person_from_link(
        app,
        _invite_link(conn, account, "north@example.com", "staff", location_id=north),
        "north@example.com",
    )
    return account, campaign, north, desk


def _file() -> bytes:
    """Rows 1-6 of the file."""
    return csv_bytes(
        [
            person(10, location_id="north"),  # row 1: a new customer here
            person(11, location_id=""),  # row 2: no location: theirs
            person(12, location_id="south"),  # row 3: another location
            person(4, appointment_id="a40", location_id="north"),  # row 4: south's customer
            person(13, appointment_id="a4", location_id="north"),  # row 5: south's appointment
            person(1, appointment_id="a1b", location_id="north", first_name="Renamed"),  # row 6
        ]
    )


def _south_state(conn):
    return conn.execute(
        "SELECT a.external_id, c.external_id, c.first_name, l.external_id, a.starts_at, a.status"
        " FROM appointments a JOIN customers c ON c.id = a.customer_id"
        " JOIN locations l ON l.id = a.location_id WHERE l.external_id = 'south' ORDER BY 1"
    ).fetchall()


def _upload(desk, campaign: int, action: str):
    return desk.post(
        f"/campaigns/{campaign}/packets",
        {"packet": (io.BytesIO(_file()), "tomorrow.csv"), "action": action},
        refresh=f"/campaigns/{campaign}",
    )


def test_a_scoped_member_checks_and_uploads_for_their_location_only(app, conn):
    _, campaign, _, desk = _setup(app, conn)
    before = _south_state(conn)
    appointments_before = conn.execute("SELECT count(*) FROM appointments").fetchone()[0]
    checked = _upload(desk, campaign, "check")
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200, page[:300]
    table = page.split('id="row-errors"')[1].split("</table>")[0]
    for row, reason in REFUSALS.items():
        column, _, text = reason.partition(": ")
        assert f'<td class="num">{row}</td><td>{column} {text}' in table.replace("&#39;", "'")
    assert table.count('<td class="num">') == len(REFUSALS)
    # the check wrote nothing
    assert conn.execute("SELECT count(*) FROM appointments").fetchone()[0] == appointments_before

    loaded = _upload(desk, campaign, "load")
    assert loaded.status_code == 302
    packet = conn.execute(
        "SELECT id, rows_accepted, rows_rejected FROM packets ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert packet[1:] == (3, 3)
    errors = {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT row_no, errors[1] FROM packet_rows WHERE packet_id = %s AND error_reason IS NOT NULL",
            [packet[0]],
        )
    }
    assert errors == REFUSALS
    # nothing of the refused rows: south as it was, no customer or appointment they named
    assert _south_state(conn) == before
    assert conn.execute(
        "SELECT count(*) FROM appointments WHERE external_id IN ('a12', 'a40')"
    ).fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM customers WHERE external_id = 'c12'").fetchone() == (
        0,
    )
    # what was accepted is north's (a row without a location too), their own customer updated
    placed = dict(
        conn.execute(
            "SELECT a.external_id, l.external_id FROM appointments a JOIN locations l ON l.id = a.location_id"
            " WHERE a.last_packet_id = %s",
            [packet[0]],
        ).fetchall()
    )
    assert placed == {"a10": "north", "a11": "north", "a1b": "north"} or placed == {
        "a10": "north",
        "a11": "north",
    }
    assert conn.execute("SELECT first_name FROM customers WHERE external_id = 'c1'").fetchone() == (
        "Renamed",
    )
    assert conn.execute(
        "SELECT count(*) FROM messages m JOIN locations l ON l.id = m.location_id"
        " WHERE m.packet_id = %s AND l.external_id <> 'north'",
        [packet[0]],
    ).fetchone() == (0,)
    assert conn.execute(
        "SELECT actor_role FROM audit_log WHERE action = 'packet.uploaded'"
    ).fetchone() == ("staff",)


def test_a_file_with_only_other_locations_rows_keeps_nothing(app, conn):
    _, campaign, _, desk = _setup(app, conn)
    appointments_before = conn.execute("SELECT count(*) FROM appointments").fetchone()[0]
    body = csv_bytes([person(20, location_id="south"), person(21, location_id="east")])
    checked = desk.post(
        f"/campaigns/{campaign}/packets",
        {"packet": (io.BytesIO(body), "wrong.csv"), "action": "check"},
        refresh=f"/campaigns/{campaign}",
    ).get_data(as_text=True)
    assert "east is not your location" in checked and "south is not your location" in checked
    assert conn.execute("SELECT count(*) FROM appointments").fetchone()[0] == appointments_before
    # no location was created for the refused row either
    assert conn.execute("SELECT count(*) FROM locations WHERE external_id = 'east'").fetchone() == (
        0,
    )


def test_the_database_refuses_a_scoped_members_write_elsewhere(app, conn):
    account, _, north, _ = _setup(app, conn)
    south, customer = conn.execute(
        "SELECT a.location_id, a.customer_id FROM appointments a JOIN locations l ON l.id = a.location_id"
        " WHERE l.external_id = 'south'"
    ).fetchone()
    _as_member(conn, account, "staff", north)
    try:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute(
                "INSERT INTO appointments (account_id, external_id, customer_id, location_id, starts_at, timezone)"
                " VALUES (%s, 'sneaky', %s, %s, now() + interval '1 day', 'America/Chicago')",
                [account, customer, south],
            )
        # an unscoped caller's view of foreign ids is empty; the member's names south's own
        assert conn.execute(
            "SELECT scope_foreign_ids('appointment', ARRAY['a4', 'a1'])"
        ).fetchone() == (["a4"],)
    finally:
        _leave(conn)
    _as_member(conn, account, "staff")
    try:
        assert conn.execute("SELECT scope_foreign_ids('appointment', ARRAY['a4'])").fetchone() == (
            [],
        )
    finally:
        _leave(conn)


def test_a_member_who_sees_every_location_still_uploads_anywhere(app, conn):
    account, campaign, _, _ = _setup(app, conn)
    manager, _, _ = _enrolled_person(app, conn, account, "manager@example.com", "manager")
    body = csv_bytes([person(30, location_id="south"), person(31, location_id="east")])
    assert (
        manager.post(
            f"/campaigns/{campaign}/packets",
            {"packet": (io.BytesIO(body), "all.csv"), "action": "load"},
            refresh=f"/campaigns/{campaign}",
        ).status_code
        == 302
    )
    assert conn.execute(
        "SELECT rows_accepted, rows_rejected FROM packets ORDER BY id DESC LIMIT 1"
    ).fetchone() == (2, 0)
