"""The console's customer pages: search by name, phone, email or id; a manual consent change
with its reason (which suppresses pending messages); a data-subject export; erasure that
removes what identifies a person and keeps the send ledger; roles and tenants hold."""

from __future__ import annotations

import json

from app_service import replies
from tests.api_support import IDS, make_tenant
from tests.helpers import load_rows, make_campaign, person
from tests.test_people import _enrolled_person

link = IDS.publish_path


def _customer(conn, n: int) -> int:
    return conn.execute(
        "SELECT id FROM customers WHERE external_id = %s", [person(n)["customer_id"]]
    ).fetchone()[0]


def test_search_consent_export_and_erasure(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(1), person(2)])
    target, other = _customer(conn, 1), _customer(conn, 2)
    first, phone = conn.execute(
        "SELECT first_name, phone FROM customers WHERE id = %s", [target]
    ).fetchone()
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    for q in (first, phone[-6:], person(1)["customer_id"]):
        found = owner.get(f"/customers?q={q}").get_data(as_text=True)
        assert link(f"/customers/{target}") in found, q
    assert link(f"/customers/{target}") not in owner.get("/customers?q=%25").get_data(as_text=True)
    # a manual opt-out needs a reason; it suppresses what was pending on that channel
    page = f"/customers/{target}"
    assert (
        owner.post(
            f"{page}/consent", {"channel": "sms", "action": "opt_out", "reason": ""}, refresh=page
        ).status_code
        == 400
    )
    assert (
        owner.post(
            f"{page}/consent",
            {"channel": "sms", "action": "opt_out", "reason": "asked at the front desk"},
            refresh=page,
        ).status_code
        == 302
    )
    assert "asked at the front desk" in owner.get(page).get_data(as_text=True)
    pending = conn.execute(
        "SELECT count(*) FROM messages WHERE customer_id = %s AND status IN ('scheduled','ready','retry')",
        [target],
    ).fetchone()[0]
    assert pending == 0
    # export: everything, as JSON, audited
    message = conn.execute(
        "SELECT id FROM messages WHERE customer_id = %s LIMIT 1", [target]
    ).fetchone()[0]
    replies.handle_reply(conn, message, "My new number is 555 0100, thanks")
    exported = owner.get(f"{page}/export")
    document = json.loads(exported.get_data(as_text=True))
    assert exported.headers["Content-Disposition"].startswith("attachment")
    assert (
        document["customer"]["phone"] == phone
        and document["consent"][0]["note"] == "asked at the front desk"
    )
    assert any("555 0100" in json.dumps(e) for e in document["events"])
    # erasure: confirmed by typing; identity gone, ledger kept, the other customer untouched
    assert owner.post(f"{page}/erase", {"confirm": "yes"}, refresh=page).status_code == 400
    assert owner.post(f"{page}/erase", {"confirm": "erase"}, refresh=page).status_code == 302
    row = conn.execute(
        "SELECT first_name, last_name, phone, email, pii_purged_at FROM customers WHERE id = %s",
        [target],
    ).fetchone()
    assert row[:4] == (None, None, None, None) and row[4] is not None
    kept = conn.execute(
        "SELECT count(*) FROM messages WHERE customer_id = %s", [target]
    ).fetchone()[0]
    assert kept > 0
    texts = conn.execute(
        "SELECT count(*) FROM message_events WHERE customer_id = %s AND data ? 'text'", [target]
    ).fetchone()[0]
    assert texts == 0
    assert (
        conn.execute(
            "SELECT count(*) FROM consent_events WHERE customer_id = %s", [target]
        ).fetchone()[0]
        == 1
    )
    assert (
        conn.execute(
            "SELECT last_reply_text FROM conversations WHERE customer_id = %s", [target]
        ).fetchone()[0]
        == ""
    )
    assert (
        conn.execute("SELECT phone FROM customers WHERE id = %s", [other]).fetchone()[0] is not None
    )
    actions = {
        r[0]
        for r in conn.execute("SELECT action FROM audit_log WHERE object_id = %s", [str(target)])
    }
    assert {"consent.opt_out", "customer.exported", "customer.erased", "customer.viewed"} <= actions


def test_roles_and_tenants_hold_on_customer_pages(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(1)])
    target = _customer(conn, 1)
    page = f"/customers/{target}"
    staff, _, _ = _enrolled_person(app, conn, account, "staff@example.com", "staff")
    viewer, _, _ = _enrolled_person(app, conn, account, "viewer@example.com", "viewer")
    assert (
        staff.post(
            f"{page}/consent",
            {"channel": "email", "action": "opt_out", "reason": "by phone"},
            refresh=page,
        ).status_code
        == 302
    )
    assert staff.get(f"{page}/export").status_code == 403
    assert staff.post(f"{page}/erase", {"confirm": "erase"}, refresh=page).status_code == 403
    assert (
        viewer.post(
            f"{page}/consent",
            {"channel": "sms", "action": "opt_out", "reason": "x y z"},
            refresh=page,
        ).status_code
        == 403
    )
    assert "Record consent change" not in viewer.get(page).get_data(as_text=True)
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com")
    assert intruder.get(page).status_code == 404
    assert intruder.get(f"{page}/export").status_code == 404
    assert intruder.post(f"{page}/erase", {"confirm": "erase"}, refresh="/").status_code == 404
    assert (
        conn.execute("SELECT phone FROM customers WHERE id = %s", [target]).fetchone()[0]
        is not None
    )


def test_the_database_refuses_erasure_below_admin_whatever_code_asks(app, conn):
    import psycopg
    import pytest

    from tests.test_people import _as_member, _leave

    account = make_tenant(conn, app, "Clinic").account_id
    load_rows(conn, make_campaign(conn, account), [person(1)])
    target = _customer(conn, 1)
    for role in ("manager", "staff", "viewer"):
        _as_member(conn, account, role)
        try:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT erase_customer(%s)", [target])
        finally:
            _leave(conn)
    _as_member(conn, account, "admin")
    try:
        assert conn.execute("SELECT erase_customer(%s)", [target]).fetchone()[0] == "erased"
    finally:
        _leave(conn)
