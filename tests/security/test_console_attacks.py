"""A hostile tenant and a hostile member against the console pages added with the inbox
answers, template versions, report exports and sign-in changes: ids of another account (public
and raw), forged or missing CSRF tokens, stored markup, and PII in the application's logs.
Attacks already covered elsewhere (scoped answers and exports, other tenants' exports, a
replayed answer token, the email link replay, formula injection) are not repeated here."""

from __future__ import annotations

import io
import logging
import re

from app_service import api_keys, replies, report_exports, templates
from tests.api_support import IDS, make_tenant, pub
from tests.helpers import csv_bytes, load_rows, make_campaign, person
from tests.test_people import BASE, PASSWORD, Browser, _enrolled_person, _mail_to

XSS = '<img src=x onerror="alert(1)">'


def _clinic(app, conn, name: str = "Clinic", first_name: str = "Name1"):
    account = make_tenant(conn, app, name).account_id
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(1, location_id="north", first_name=first_name)])
    message, customer = conn.execute(
        "SELECT id, customer_id FROM messages WHERE account_id = %s", [account]
    ).fetchone()
    replies.handle_reply(conn, message, "Can I come earlier?")  # opens the conversation
    conn.execute(
        "UPDATE locations SET send_window_start = '00:00', send_window_end = '23:59:59'"
        " WHERE account_id = %s",
        [account],
    )
    made = templates.create_template(conn, account, "Visit", "sms", "Hi {{ first_name }}")
    return account, campaign, customer, made["id"]


def test_another_accounts_templates_and_customers_answer_404_by_public_or_raw_id(app, conn):
    _, _, customer, template = _clinic(app, conn)
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com", "owner")
    for path in (f"/templates/{template}", f"/templates/{template}/versions?show=1"):
        assert intruder.get(path).status_code == 404, path
        # a raw row id is no public id: never reaches the row
        raw = intruder.client.get(path, base_url=BASE)
        assert raw.status_code == 404, path
    intruder.get("/templates")
    writes = {
        f"/templates/{template}": {"body": "pwned", "base_version": "1", "action": "save"},
        f"/templates/{template}/restore": {"version": "1", "base_version": "1"},
    }
    for path, data in writes.items():
        assert intruder.post(path, data).status_code == 404, path
    # previewing one's own text with the other account's customer shows nothing of them
    shown = intruder.post(
        "/templates/preview",
        {"channel": "sms", "body": "Hi {{ first_name }}", "customer": str(pub(customer))},
    )
    assert shown.status_code == 404 and "Name1" not in shown.get_data(as_text=True)
    assert conn.execute("SELECT body FROM templates WHERE id = %s", [template]).fetchone() == (
        "Hi {{ first_name }}",
    )
    assert conn.execute(
        "SELECT count(*) FROM template_versions WHERE template_id = %s", [template]
    ).fetchone() == (1,)


def test_an_answer_cannot_name_another_accounts_template(app, conn):
    """A quick reply's template_id is the member's own account's template or none: a forged
    form naming another account's template neither renders it nor records it."""
    _, _, _, foreign_template = _clinic(app, conn, "Victim")
    account, _, customer, _ = _clinic(app, conn, "Attacker")
    desk, _, _ = _enrolled_person(app, conn, account, "desk@example.com", "staff")
    quick = desk.get(f"/inbox/{customer}?quick={pub(foreign_template)}")
    assert quick.status_code == 404
    page = desk.get(f"/inbox/{customer}").get_data(as_text=True)
    token = page.split('name="form_token" value="')[1].split('"')[0]
    sent = desk.post(
        f"/inbox/{customer}/answer",
        {
            "form_token": token,
            "channel": "sms",
            "text": "hello",
            "template_id": str(pub(foreign_template)),
        },
    )
    assert sent.status_code == 404
    assert conn.execute("SELECT count(*) FROM answers").fetchone() == (0,)


def test_every_new_post_refuses_a_missing_or_forged_csrf_token(app, conn):
    account, campaign, customer, template = _clinic(app, conn)
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com", "owner")
    owner.get("/templates")
    page = owner.get(f"/inbox/{customer}").get_data(as_text=True)
    token = page.split('name="form_token" value="')[1].split('"')[0]
    posts = {
        f"/inbox/{customer}/answer": {"form_token": token, "channel": "sms", "text": "hi"},
        f"/templates/{template}": {"body": "changed", "base_version": "1", "action": "save"},
        f"/templates/{template}/restore": {"version": "1", "base_version": "1"},
        "/templates/new": {"name": "n", "channel": "sms", "body": "x", "action": "save"},
        "/templates/preview": {"channel": "sms", "body": "x", "customer": str(pub(customer))},
        f"/campaigns/{campaign}/exports": {"since": "2026-01-01", "until": "2026-01-02"},
        "/account/email": {"email": "new@example.com", "password": "x", "code": "000000"},
        "/account/recovery-codes": {"password": "x", "code": "000000"},
        "/settings/sign-in": {"sign_in_method": "password"},
        "/account/security-keys/remove": {"key": "1", "current": "x", "code": "000000"},
        "/account/email/" + "t" * 43: {},
    }
    before = conn.execute(
        "SELECT (SELECT count(*) FROM answers), (SELECT count(*) FROM template_versions),"
        " (SELECT count(*) FROM templates), (SELECT count(*) FROM audit_log),"
        " (SELECT count(*) FROM staff_mail)"
    ).fetchone()
    for path, data in posts.items():
        for csrf in ("", "forged-" + "a" * 30):
            sent = owner.client.post(
                IDS.publish_path(path), data={**data, "csrf_token": csrf}, base_url=BASE
            )
            assert sent.status_code == 400, (path, csrf, sent.status_code)
    after = conn.execute(
        "SELECT (SELECT count(*) FROM answers), (SELECT count(*) FROM template_versions),"
        " (SELECT count(*) FROM templates), (SELECT count(*) FROM audit_log),"
        " (SELECT count(*) FROM staff_mail)"
    ).fetchone()
    assert after == before


def test_markup_in_template_bodies_and_customer_names_is_shown_as_text(app, conn):
    account, _, customer, template = _clinic(app, conn, first_name=XSS)
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    manager.get(f"/templates/{template}")
    saved = manager.post(
        f"/templates/{template}",
        {"body": f"Hi {{{{ first_name }}}} {XSS}", "base_version": "1", "action": "save"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    pages = [
        manager.get(f"/templates/{template}"),
        manager.get(f"/templates/{template}/versions?show=2&against=1"),
        manager.post(
            "/templates/preview",
            {"channel": "sms", "body": "Hi {{ first_name }}", "customer": str(pub(customer))},
        ),
        manager.get(f"/inbox/{customer}?quick={pub(template)}"),
        manager.get(f"/customers?q={pub(customer)}"),
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert "<img src=x" not in text, response.request.path
    assert "&lt;img src=x" in pages[0].get_data(as_text=True)
    assert "&lt;img src=x" in pages[2].get_data(as_text=True)


def test_the_new_paths_write_no_phone_or_email_to_the_logs(app, conn, caplog):
    account, _, customer, template = _clinic(app, conn)
    owner, _, codes = _enrolled_person(app, conn, account, "owner.secret@example.com", "owner")
    caplog.set_level(logging.DEBUG)
    page = owner.get(f"/inbox/{customer}").get_data(as_text=True)
    token = page.split('name="form_token" value="')[1].split('"')[0]
    owner.post(f"/inbox/{customer}/answer", {"form_token": token, "channel": "sms", "text": "hi"})
    owner.post(
        f"/inbox/{customer}/answer",
        {"form_token": token + "x", "channel": "email", "text": "hi", "subject": "s"},
    )
    owner.get(f"/templates/{template}")
    owner.post(f"/templates/{template}", {"body": "Hi {{ first_name }}", "action": "test"})
    owner.post(
        "/templates/preview",
        {"channel": "sms", "body": "Hi {{ first_name }}", "customer": str(pub(customer))},
    )
    # the sign-in changes, refused and done: email change asked, codes renewed, link pressed
    for code in ("000000", codes[0]):
        asked = owner.post(
            "/account/email",
            {"email": "moved.secret@example.com", "current": PASSWORD, "code": code},
            refresh="/account/email",
        )
    assert asked.status_code == 200, asked.get_data(as_text=True)
    renewed = owner.post(
        "/account/recovery-codes",
        {"current": PASSWORD, "code": codes[1]},
        refresh="/account/recovery-codes",
    )
    assert renewed.status_code == 200
    link = re.search(r"https?://\S+", _mail_to(conn, "moved.secret@example.com")[0]).group(0)
    visitor = Browser(app, "198.51.100.9")
    assert visitor.post(link.removeprefix(BASE), refresh=link.removeprefix(BASE)).status_code == 302
    # the paths ran: an answer queued, the email changed
    assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] >= 1
    assert conn.execute(
        "SELECT count(*) FROM users WHERE email = 'moved.secret@example.com'"
    ).fetchone() == (1,)
    # every record with its structured fields (the JSON formatter writes them all), and the
    # single-use link's token too
    logged = caplog.text + "".join(repr(vars(r)) for r in caplog.records)
    assert caplog.records
    secret = link.rsplit("/", 1)[1]
    for pii in ("5550001", "555-0001", "c1@example.com", "owner.secret", "moved.secret", secret):
        assert pii not in logged, pii


def test_the_check_page_shows_a_files_markup_as_text_and_another_tenant_gets_404(app, conn):
    account, campaign, _, _ = _clinic(app, conn)
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    rows = [person(7, first_name=XSS), person(8, phone=XSS)]
    upload = {"packet": (io.BytesIO(csv_bytes(rows)), f"{XSS}.csv"), "action": "check"}
    page = manager.post(f"/campaigns/{campaign}/packets", upload, refresh=f"/campaigns/{campaign}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<img src=x" not in html and "&lt;img src=x" in html
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com", "owner")
    upload["packet"] = (io.BytesIO(csv_bytes(rows)), "week.csv")
    assert intruder.post(f"/campaigns/{campaign}/packets", upload, refresh="/").status_code == 404
    assert conn.execute(
        "SELECT count(*) FROM packet_drafts WHERE account_id = %s", [other]
    ).fetchone() == (0,)


def test_a_write_keys_console_session_cannot_send_a_template_test(app, conn):
    """A test send goes to the member's own sign-in address: a session opened with an API key
    has none, so it is refused (403) rather than failing or mailing anyone."""
    account, _, _, template = _clinic(app, conn)
    token = api_keys.create_key(conn, account, "desk", ["write"]).token
    key = Browser(app)
    key.get("/login")
    assert key.post("/login", {"api_key": token}).status_code == 302
    editor = key.get(f"/templates/{template}").get_data(as_text=True)
    assert "Save a new version" in editor and "Send a test to me" not in editor
    sent = key.post(f"/templates/{template}", {"body": "Hi {{ first_name }}", "action": "test"})
    assert sent.status_code == 403
    assert conn.execute("SELECT count(*) FROM staff_mail").fetchone() == (0,)


def test_markup_in_campaign_location_and_answer_texts_is_shown_as_text(app, conn, monkeypatch):
    account = make_tenant(conn, app, "Clinic").account_id
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(1, location_id=XSS)])
    conn.execute("UPDATE campaigns SET name = %s WHERE id = %s", [XSS, campaign])
    conn.execute(
        "UPDATE locations SET name = %s, send_window_start = '00:00',"
        " send_window_end = '23:59:59' WHERE account_id = %s",
        [XSS, account],
    )
    message, customer = conn.execute(
        "SELECT id, customer_id FROM messages WHERE account_id = %s", [account]
    ).fetchone()
    replies.handle_reply(conn, message, XSS)
    (location,) = conn.execute(
        "SELECT id FROM locations WHERE account_id = %s", [account]
    ).fetchone()
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com", "owner")
    page = owner.get(f"/inbox/{customer}").get_data(as_text=True)
    token = page.split('name="form_token" value="')[1].split('"')[0]
    answered = owner.post(
        f"/inbox/{customer}/answer", {"form_token": token, "channel": "sms", "text": XSS}
    )
    assert answered.status_code == 302
    monkeypatch.setattr(report_exports, "STREAM_ROWS", 0)  # queued: the exports pages show it
    queued = owner.post(
        f"/campaigns/{campaign}/exports?location={pub(location)}",
        {"since": "2020-01-01", "until": "2020-12-31"},
        refresh=f"/campaigns/{campaign}",
    )
    assert queued.status_code == 302
    export_id = IDS.decode(int(queued.headers["Location"].rsplit("/", 1)[1]))
    for path in (
        f"/inbox/{customer}",
        "/inbox",
        f"/campaigns/{campaign}",
        f"/campaigns/{campaign}?location={pub(location)}",
        "/exports",
        f"/exports/{export_id}",
    ):
        response = owner.get(path)
        text = response.get_data(as_text=True)
        assert response.status_code == 200 and "<img src=x" not in text, path
        assert "&lt;img src=x" in text, path


def test_viewers_managers_and_key_sessions_stay_inside_the_matrix(app, conn):
    account, campaign, _, _ = _clinic(app, conn)
    viewer, _, _ = _enrolled_person(app, conn, account, "viewer@example.com", "viewer")
    upload = {"packet": (io.BytesIO(csv_bytes([person(9)])), "week.csv"), "action": "check"}
    checked = viewer.post(
        f"/campaigns/{campaign}/packets", upload, refresh=f"/campaigns/{campaign}"
    )
    assert checked.status_code == 403  # checking a file is uploading it as a draft
    assert conn.execute("SELECT count(*) FROM packet_drafts").fetchone() == (0,)
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    method = {"sign_in_method": "password"}
    assert manager.post("/settings/sign-in", method, refresh="/").status_code == 403
    # a console session opened with an API key has no sign-in of its own to change
    token = api_keys.create_key(conn, account, "desk", ["write"]).token
    key = Browser(app)
    assert key.post("/login", {"api_key": token}).status_code == 302
    key.get("/")
    for path in ("/account/email", "/account/recovery-codes"):
        assert key.get(path).status_code == 403, path
        assert key.post(path, {"current": "x", "code": "000000"}).status_code == 403, path
    removed = key.post("/account/security-keys/remove", {"key": "1"})
    assert removed.status_code == 403
