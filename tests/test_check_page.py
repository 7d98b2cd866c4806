"""The console's check page says, row by row, what a file would do before anything is kept:
each row's messages sent when (the location's local time) or skipped and why (opted out, no
address, too late), rows that change nothing, rejected rows; how the first message reads; the
campaign by name. The expected outcome of each row is written from the rules, not read back."""

from __future__ import annotations

import io
import re

from app_service import consent
from tests.api_support import make_tenant
from tests.helpers import csv_bytes, load_rows, make_campaign, person
from tests.test_people import _enrolled_person


def _row(html: str, row_no: int) -> str:
    table = html.split('id="row-plans"', 1)[1].split("</table>", 1)[0]
    for tr in table.split("<tr>")[1:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
        if cells and cells[0].strip() == str(row_no):
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells[-1])).strip()
    raise AssertionError(f"row {row_no} not shown")


def test_the_check_page_says_what_each_row_would_do_and_keeps_nothing(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    campaign = make_campaign(conn, account, offsets=(-24,))
    known = person(1, hours=72)
    load_rows(conn, campaign, [known, person(2, hours=72)])
    opted = conn.execute("SELECT id FROM customers WHERE external_id = 'c2'").fetchone()[0]
    consent.record(conn, opted, "sms", "opt_out", "test")
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    messages_before = conn.execute("SELECT count(*) FROM messages").fetchone()[0]

    rows = [
        person(3, hours=72, first_name="Ana"),  # row 1: new, sends 24 h before
        known,  # row 2: already planned as it is
        person(2, hours=96, appointment_id="a2b"),  # row 3: a new visit, customer opted out
        person(4, hours=72, phone=""),  # row 4: rejected, an SMS campaign needs a phone
        person(5, hours=3),  # row 5: 24 h before has passed: the reminder goes at once
        person(6, hours=72, phone="not a phone"),  # row 6: rejected
    ]
    page = manager.post(
        f"/campaigns/{campaign}/packets",
        {"packet": (io.BytesIO(csv_bytes(rows)), "week.csv"), "action": "check"},
        refresh=f"/campaigns/{campaign}",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert re.fullmatch(
        r"reminder campaign step 1 by sms: send at \d{4}-\d\d-\d\d \d\d:\d\d", _row(html, 1)
    )
    assert _row(html, 2) == "change nothing (already planned as it is)"
    assert _row(html, 3) == (
        "reminder campaign step 1 by sms: skip because the customer opted out of this channel"
    )
    assert _row(html, 4) == "rejected: phone is required for an sms campaign"
    soon, later = (_row(html, n).rsplit("send at ", 1)[1] for n in (5, 1))
    assert soon < later  # both in the location's local time, as 'YYYY-MM-DD HH:MM'
    assert _row(html, 6).startswith("rejected: phone")
    sample = html.split('id="sample"', 1)[1].split("</div>", 1)[0]
    assert "Hello Name5 (1)" in sample and "SMS segment" in sample  # row 5 goes first
    effects = html.split('id="effects"', 1)[1].split("</table>", 1)[0]
    assert ">reminder campaign</a>" in effects
    # a check keeps nothing
    assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == messages_before
    assert conn.execute("SELECT count(*) FROM customers WHERE external_id = 'c3'").fetchone() == (
        0,
    )
