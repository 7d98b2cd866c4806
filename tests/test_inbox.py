"""The console's inbox: replies become per-customer conversations (opened in the reply's
transaction), read, assigned, annotated and closed by people, with a new reply reopening;
tasks for confirmations, cancellations and reschedule requests; location scope and roles
hold; another account's conversation is a 404."""

from __future__ import annotations

import re

from app_service import replies
from tests.api_support import IDS, make_tenant
from tests.helpers import load_rows, make_campaign, person
from tests.test_people import _enrolled_person, _enrolled_person_from_link, _invite_link

link = IDS.publish_path


def _message_of(conn, external_id: str) -> tuple[int, int]:
    return conn.execute(
        "SELECT m.id, m.customer_id FROM messages m JOIN customers c ON c.id = m.customer_id"
        " WHERE c.external_id = %s ORDER BY m.id LIMIT 1",
        [external_id],
    ).fetchone()


def _setup(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(1, location_id="north"), person(2, location_id="south")])
    (m1, c1), (m2, c2) = (
        _message_of(conn, person(1)["customer_id"]),
        _message_of(conn, person(2)["customer_id"]),
    )
    replies.handle_reply(conn, m1, "Can I reschedule to another day?")
    replies.handle_reply(conn, m2, "YES")
    return account, (m1, c1), (m2, c2)


def test_replies_become_conversations_people_work_through(app, conn):
    account, (m1, c1), (_, c2) = _setup(app, conn)
    desk, _, _ = _enrolled_person(app, conn, account, "desk@example.com", "staff")
    listing = desk.get("/inbox").get_data(as_text=True)
    assert listing.count("(unread)") == 2 and "reschedule" in listing and "confirmed" in listing
    thread = desk.get(f"/inbox/{c1}").get_data(as_text=True)
    assert "Can I reschedule to another day?" in thread
    assert desk.get("/inbox").get_data(as_text=True).count("(unread)") == 1  # read by opening
    assert (
        desk.post(f"/inbox/{c1}", {"action": "assign_me"}, refresh=f"/inbox/{c1}").status_code
        == 302
    )
    mine = desk.get("/inbox?who=mine").get_data(as_text=True)
    assert link(f"/inbox/{c1}") in mine and link(f"/inbox/{c2}") not in mine
    assert link(f"/inbox/{c2}") in desk.get("/inbox?who=unassigned").get_data(as_text=True)
    desk.post(
        f"/inbox/{c1}/notes", {"note": "Called back: moved to Friday"}, refresh=f"/inbox/{c1}"
    )
    assert (
        desk.post(f"/inbox/{c1}/notes", {"note": "  "}, refresh=f"/inbox/{c1}").status_code == 400
    )
    assert "Called back: moved to Friday" in desk.get(f"/inbox/{c1}").get_data(as_text=True)
    desk.post(f"/inbox/{c1}", {"action": "task_done"}, refresh=f"/inbox/{c1}")
    desk.post(f"/inbox/{c1}", {"action": "close"}, refresh=f"/inbox/{c1}")
    assert link(f"/inbox/{c1}") not in desk.get("/inbox").get_data(as_text=True)
    assert link(f"/inbox/{c1}") in desk.get("/inbox?state=closed").get_data(as_text=True)
    # a new reply reopens it, unread again
    replies.handle_reply(conn, m1, "Actually Thursday is better")
    reopened = desk.get("/inbox").get_data(as_text=True)
    assert link(f"/inbox/{c1}") in reopened and "Actually Thursday is better" in reopened
    assert re.search(rf'{link(f"/inbox/{c1}")}">[^<]*</a> <strong>\(unread\)', reopened)
    actions = [
        r[0]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE object_type = 'customer' ORDER BY id"
        )
    ]
    assert actions.count("conversation.updated") == 3 and "conversation.note_added" in actions


def test_roles_location_scope_and_tenants_hold_in_the_inbox(app, conn):
    account, (_, c1), (_, c2) = _setup(app, conn)
    viewer, _, _ = _enrolled_person(app, conn, account, "viewer@example.com", "viewer")
    assert viewer.get(f"/inbox/{c1}").status_code == 200  # a viewer reads
    assert (
        viewer.post(f"/inbox/{c1}", {"action": "close"}, refresh=f"/inbox/{c1}").status_code == 403
    )
    assert viewer.post(f"/inbox/{c1}/notes", {"note": "x"}).status_code == 403
    # reading does not mark as read for someone who cannot act on it
    assert (
        conn.execute(
            "SELECT count(*) FROM conversations WHERE read_through < last_reply_id"
        ).fetchone()[0]
        == 2
    )
    north = conn.execute("SELECT id FROM locations WHERE external_id = 'north'").fetchone()[0]
    scoped = _enrolled_person_from_link(
        app,
        _invite_link(conn, account, "north@example.com", "staff", location_id=north),
        "north@example.com",
    )
    listing = scoped.get("/inbox").get_data(as_text=True)
    assert link(f"/inbox/{c1}") in listing and link(f"/inbox/{c2}") not in listing
    assert scoped.get(f"/inbox/{c2}").status_code == 404
    assert scoped.post(f"/inbox/{c2}", {"action": "close"}, refresh="/inbox").status_code == 404
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com", "owner")
    assert intruder.get(f"/inbox/{c1}").status_code == 404
    assert intruder.post(f"/inbox/{c1}/notes", {"note": "hi"}, refresh="/inbox").status_code == 404
    assert "Nothing here." in intruder.get("/inbox").get_data(as_text=True)


def test_a_location_scoped_member_sees_their_locations_figures_only(app, conn):
    account, _, _ = _setup(app, conn)
    campaign = conn.execute("SELECT id FROM campaigns WHERE account_id = %s", [account]).fetchone()[
        0
    ]
    north = conn.execute("SELECT id FROM locations WHERE external_id = 'north'").fetchone()[0]
    scoped = _enrolled_person_from_link(
        app,
        _invite_link(conn, account, "north@example.com", "viewer", location_id=north),
        "north@example.com",
    )
    page = scoped.get(f"/campaigns/{campaign}").get_data(as_text=True)
    table = page.split('id="by-location"')[1].split("</table>")[0]
    assert "north" in table and "south" not in table
    assert "You see one location" in page
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    full = owner.get(f"/campaigns/{campaign}").get_data(as_text=True).split('id="by-location"')[1]
    assert "north" in full and "south" in full
