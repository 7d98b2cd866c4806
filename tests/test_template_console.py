"""The console's templates: every save keeps a version with its author, a version shows its
changes, restoring one is itself a new version, a change of merge fields must be confirmed,
two editors cannot overwrite each other unseen; the preview renders with a customer the
member can see (404 for another account's or another location's) or sample values, counts
segments and names the characters that force UCS-2; viewers and staff edit nothing."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import psycopg
import pytest

from tests.api_support import IDS, make_tenant, pub, row
from tests.helpers import load_rows, make_campaign, person
from tests.test_people import (
    _as_member,
    _enrolled_person,
    _enrolled_person_from_link,
    _invite_link,
    _leave,
)

link = IDS.publish_path
V1 = "Hi {{ first_name }}, see you at {{ appointment_time }}."
V2 = "Hello {{ first_name }}, see you at {{ appointment_time }}."
V3 = "Hello {{ first_name }}, see you at {{ appointment_time }} at {{ location }}."


def _versions(conn, template: int) -> list[tuple]:
    return conn.execute(
        "SELECT v.version, v.body, u.email, v.restored_from FROM template_versions v"
        " LEFT JOIN users u ON u.id = v.author_user WHERE template_id = %s ORDER BY version",
        [template],
    ).fetchall()


def _diff(html: str) -> str:
    """The body's diff as <ins>/<del> around the text, without the screen-reader words."""
    inner = html.split('id="diff-body">', 1)[1].split("</p>", 1)[0]
    return re.sub(r'<span class="sr">[^<]*</span>', "", inner)


def _new_template(browser, name: str = "Reminder", body: str = V1) -> int:
    made = browser.post(
        "/templates/new",
        {"name": name, "channel": "sms", "body": body, "action": "save"},
        refresh="/templates/new",
    )
    assert made.status_code == 302, made.get_data(as_text=True)
    return row(int(made.headers["Location"].rsplit("/", 1)[1]))


def test_every_save_is_a_version_with_its_author_diff_and_restore(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com", "owner")
    assert "New template" in manager.get("/templates").get_data(as_text=True)
    template = _new_template(manager)
    page = f"/templates/{template}"
    assert _versions(conn, template) == [(1, V1, "mgr@example.com", None)]
    # a second person saves a new version over the one they saw
    saved = owner.post(page, {"body": V2, "base_version": "1", "action": "save"}, refresh=page)
    assert saved.status_code == 302
    # the manager's form still says version 1: not saved over the owner's, and told why
    stale = manager.post(page, {"body": V1 + "!", "base_version": "1", "action": "save"})
    assert stale.status_code == 409 and "Not saved" in stale.get_data(as_text=True)
    # adding a merge field asks for a confirmation first, and saves nothing until given
    ask = manager.post(page, {"body": V3, "base_version": "2", "action": "save"}, refresh=page)
    text = ask.get_data(as_text=True)
    assert ask.status_code == 409 and "adds the merge fields <strong>location</strong>" in text
    assert 'name="confirm_fields" value="yes"' in text
    assert [v[0] for v in _versions(conn, template)] == [1, 2]
    done = manager.post(
        page, {"body": V3, "base_version": "2", "confirm_fields": "yes", "action": "save"}
    )
    assert done.status_code == 302
    assert _versions(conn, template)[1:] == [
        (2, V2, "owner@example.com", None),
        (3, V3, "mgr@example.com", None),
    ]
    # the history names who made each version; a version shows what it changed
    history = manager.get(page).get_data(as_text=True)
    assert "owner@example.com" in history and "mgr@example.com" in history
    v2 = manager.get(f"{page}/versions?show=2").get_data(as_text=True)
    assert _diff(v2).startswith("<del>Hi</del><ins>Hello</ins> {{ first_name }}, see you")
    assert '<span class="sr">[added: </span>Hello' in v2  # said, not only coloured
    v3 = manager.get(f"{page}/versions?show=3&against=1").get_data(as_text=True)
    assert "<ins> at {{ location }}</ins>" in _diff(v3) and "<del>Hi</del>" in _diff(v3)
    # restoring version 1 removes {{ location }}: confirmed first, then a new version 4
    restore = f"{page}/restore"
    ask = manager.post(restore, {"version": "1", "base_version": "3"}, refresh=f"{page}/versions")
    assert ask.status_code == 409
    assert "removes <strong>location</strong>" in ask.get_data(as_text=True)
    assert (
        manager.post(
            restore, {"version": "1", "base_version": "3", "confirm_fields": "yes"}
        ).status_code
        == 302
    )
    assert _versions(conn, template)[-1] == (4, V1, "mgr@example.com", 1)
    assert conn.execute(
        "SELECT version, body FROM templates WHERE id = %s", [template]
    ).fetchone() == (
        4,
        V1,
    )
    assert "restored version 1" in manager.get(page).get_data(as_text=True)
    audited = conn.execute(
        "SELECT action, before ->> 'version', after ->> 'version', after -> 'fields_added'"
        " FROM audit_log WHERE object_type = 'template' ORDER BY id"
    ).fetchall()
    assert audited == [
        ("template.created", None, "1", None),
        ("template.edited", "1", "2", None),
        ("template.edited", "2", "3", ["location"]),
        ("template.restored", "3", "4", None),
    ]
    # the history is append-only for the API's role: no version can be rewritten
    _as_member(conn, account, "owner")
    try:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute(
                "UPDATE template_versions SET body = 'x' WHERE template_id = %s", [template]
            )
    finally:
        _leave(conn)
    # and held for every login, whatever code runs: no rewrite, no change without its version
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("UPDATE template_versions SET body = 'x' WHERE template_id = %s", [template])
    for sneak in ("body = 'sneaked in'", "body = 'sneaked in', version = version + 1"):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation), conn.transaction():
            conn.execute(f"UPDATE templates SET {sneak} WHERE id = %s", [template])
    assert conn.execute("SELECT body FROM templates WHERE id = %s", [template]).fetchone() == (V1,)


def test_a_template_made_over_the_api_records_its_key(app, conn):
    tenant = make_tenant(conn, app, "Clinic")
    made = tenant.post("/v1/templates", json={"name": "t", "channel": "sms", "body": V1})
    assert made.status_code == 201
    author = conn.execute(
        "SELECT v.version, k.account_id FROM template_versions v JOIN api_keys k ON k.id = v.author_key"
    ).fetchall()
    assert author == [(1, tenant.account_id)]


def test_preview_with_sample_values_a_visible_customer_and_no_other(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    campaign = make_campaign(conn, account)
    load_rows(conn, campaign, [person(1, location_id="north"), person(2, location_id="south")])
    north_customer, south_customer = (
        conn.execute("SELECT id FROM customers WHERE external_id = %s", [c]).fetchone()[0]
        for c in ("c1", "c2")
    )
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    manager.get("/templates/new")
    body = "Hi {{ first_name }}, it\u2019s at {{ appointment_time }} \U0001f9b7 {{ bring }}"
    form = {"channel": "sms", "body": body}
    # sample values: fields marked in the source, the UCS-2 characters named, segments counted
    sample = manager.post("/templates/preview", form)
    text = sample.get_data(as_text=True)
    assert sample.status_code == 200 and "<html" not in text  # a fragment for the live preview
    assert '<mark class="field">{{ first_name }}</mark>' in text
    assert "Hi [first_name], it\u2019s at [appointment_time]" in text
    assert "(U+2019)" in text and "(U+1F9B7)" in text and "1 SMS segment (UCS-2)" in text
    assert "Fields your files must carry: bring" in text
    email = manager.post(
        "/templates/preview",
        {"channel": "email", "body": "Dear {{ first_name }}", "subject": "{{ location }} visit"},
    ).get_data(as_text=True)
    assert "Subject: [location] visit" in email and "no segment limit" in email
    assert '<mark class="field">{{ location }}</mark>' in email
    # an email template must have a subject: refused, naming it, and nothing saved
    missing = manager.post(
        "/templates/new",
        {"name": "e", "channel": "email", "body": "Dear {{ first_name }}", "action": "save"},
    )
    assert missing.status_code == 400 and "subject: is required" in missing.get_data(as_text=True)
    broken = manager.post(
        "/templates/new",
        {"name": "b", "channel": "sms", "body": "Hi {{ first_name", "action": "save"},
    )
    assert broken.status_code == 400 and "body: cannot be parsed" in broken.get_data(as_text=True)
    # a customer of the account: their name and appointment, and the viewing is audited
    shown = manager.post("/templates/preview", {**form, "customer": str(pub(north_customer))})
    starts_at, tz = conn.execute(
        "SELECT starts_at, timezone FROM appointments WHERE customer_id = %s", [north_customer]
    ).fetchone()
    local = starts_at.astimezone(ZoneInfo(tz)).strftime("%-I:%M %p")  # as the worker writes it
    assert shown.status_code == 200
    assert f"Hi Name1, it\u2019s at {local}" in shown.get_data(as_text=True)
    assert "[first_name]" not in shown.get_data(as_text=True)
    viewed = conn.execute(
        "SELECT object_id FROM audit_log WHERE action = 'customer.viewed'"
    ).fetchall()
    assert viewed == [(str(north_customer),)]
    # the no-JS path: the Preview button renders the same on the whole page; Find lists matches
    page = manager.post(
        "/templates/new",
        {**form, "name": "x", "customer_q": "Name1", "action": "find"},
        refresh="/templates/new",
    ).get_data(as_text=True)
    assert f'<option value="{pub(north_customer)}"' in page
    page = manager.post(
        "/templates/new",
        {**form, "name": "x", "customer": str(pub(north_customer)), "action": "preview"},
    )
    assert page.status_code == 200 and "Hi Name1, it\u2019s at " in page.get_data(as_text=True)
    # previewing the same customer again (the live preview, at each pause) is not a new entry
    assert conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'customer.viewed'"
    ).fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM templates").fetchone()[0] == 0  # nothing saved
    # another account's customer, and a customer outside a scoped member's location: 404
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com", "owner")
    intruder.get("/templates")
    refused = intruder.post("/templates/preview", {**form, "customer": str(pub(north_customer))})
    assert refused.status_code == 404 and "Name1" not in refused.get_data(as_text=True)
    north = conn.execute("SELECT id FROM locations WHERE external_id = 'north'").fetchone()[0]
    scoped = _enrolled_person_from_link(
        app,
        _invite_link(conn, account, "north@example.com", "staff", location_id=north),
        "north@example.com",
    )
    scoped.get("/templates")
    outside = scoped.post("/templates/preview", {**form, "customer": str(pub(south_customer))})
    assert outside.status_code == 404 and "Name2" not in outside.get_data(as_text=True)
    inside = scoped.post("/templates/preview", {**form, "customer": str(pub(north_customer))})
    assert inside.status_code == 200 and "Hi Name1" in inside.get_data(as_text=True)
    assert scoped.post("/templates/preview", {**form, "customer": "12x"}).status_code == 404


def test_viewers_and_staff_read_templates_but_change_nothing(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    template = _new_template(manager)
    page = f"/templates/{template}"
    for role in ("viewer", "staff"):
        person_, _, _ = _enrolled_person(app, conn, account, f"{role}@example.com", role)
        listing = person_.get("/templates").get_data(as_text=True)
        assert link(page) in listing and "New template" not in listing
        shown = person_.get(page)
        assert shown.status_code == 200 and "Save a new version" not in shown.get_data(as_text=True)
        assert "Restore this version" not in person_.get(f"{page}/versions?show=1").get_data(
            as_text=True
        )
        refused = person_.get("/templates/new")
        assert refused.status_code == 403 and refused.mimetype == "text/html"
        assert "may not edit templates" in refused.get_data(as_text=True)
        assert (
            person_.post(
                "/templates/new", {"name": "n", "channel": "sms", "body": V1, "action": "save"}
            ).status_code
            == 403
        )
        assert (
            person_.post(page, {"body": V2, "base_version": "1", "action": "save"}).status_code
            == 403
        )
        assert (
            person_.post(f"{page}/restore", {"version": "1", "base_version": "1"}).status_code
            == 403
        )
        # the database refuses them too, whatever code runs the statement
        _as_member(conn, account, role)
        try:
            with conn.transaction():
                updated = conn.execute(
                    "UPDATE templates SET body = 'x' WHERE id = %s", [template]
                ).rowcount
            assert updated == 0
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(
                    "INSERT INTO template_versions (account_id, template_id, version, body)"
                    " VALUES (%s, %s, 9, 'x')",
                    [account, template],
                )
        finally:
            _leave(conn)
    assert [v[0] for v in _versions(conn, template)] == [1]
    # another account sees none of it
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com", "owner")
    assert intruder.get(page).status_code == 404
    assert intruder.get(f"{page}/versions?show=1").status_code == 404
    assert (
        intruder.post(
            f"{page}/restore", {"version": "1", "base_version": "1"}, refresh="/templates"
        ).status_code
        == 404
    )
    assert (
        intruder.post(page, {"body": V2, "base_version": "1", "action": "save"}).status_code == 404
    )
    assert link(page) not in intruder.get("/templates").get_data(as_text=True)
    _as_member(conn, other, "owner")  # and its database session reads no version either
    try:
        assert conn.execute("SELECT count(*) FROM template_versions").fetchone() == (0,)
    finally:
        _leave(conn)


def _mail(conn) -> list[tuple]:
    return conn.execute("SELECT recipient, subject, body FROM staff_mail ORDER BY id").fetchall()


def test_a_test_send_goes_to_the_member_alone_with_sample_values(app, conn):
    """The editor's text (unsaved edits too) rendered with sample values, mailed to the
    member's own sign-in address whatever the form says; audited; ten an hour; refused to
    roles that may not edit templates and for a text that does not render."""
    account = make_tenant(conn, app, "Clinic").account_id
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    template = _new_template(manager)
    page = f"/templates/{template}"
    before = len(_mail(conn))
    sent = manager.post(
        page,
        {
            "body": V2 + " Bring your card.",
            "base_version": "1",
            "action": "test",
            "recipient": "victim@example.net",
        },
        refresh=page,
    )
    assert sent.status_code == 200
    assert "A test is on its way to mgr@example.com" in sent.get_data(as_text=True)
    mails = _mail(conn)[before:]
    assert len(mails) == 1
    recipient, subject, body = mails[0]
    assert recipient == "mgr@example.com" and subject == "[Test] How your SMS reads"
    assert body.startswith("Hello [first_name], see you at [appointment_time]. Bring your card.")
    assert "1 SMS segment(s), GSM-7" in body
    assert [v[0] for v in _versions(conn, template)] == [1]  # a test saves nothing
    assert (
        conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'template.test_sent'"
        ).fetchone()[0]
        == 1
    )

    email = manager.post(
        "/templates/new",
        {
            "name": "Mail",
            "channel": "email",
            "subject": "Visit on {{ appointment_date }}",
            "body": "Dear {{ first_name }}",
            "action": "test",
        },
        refresh="/templates/new",
    )
    assert email.status_code == 200
    assert _mail(conn)[-1] == (
        "mgr@example.com",
        "[Test] Visit on [appointment_date]",
        "Dear [first_name]",
    )
    broken = manager.post(
        page, {"body": "Hi {{ first_name", "base_version": "1", "action": "test"}, refresh=page
    )
    assert broken.status_code == 400 and len(_mail(conn)) == before + 2

    for _ in range(8):
        assert (
            manager.post(
                page, {"body": V1, "base_version": "1", "action": "test"}, refresh=page
            ).status_code
            == 200
        )
    limited = manager.post(page, {"body": V1, "base_version": "1", "action": "test"}, refresh=page)
    assert limited.status_code == 429 and "10 test sends an hour" in limited.get_data(as_text=True)
    assert len(_mail(conn)) == before + 10

    viewer, _, _ = _enrolled_person(app, conn, account, "viewer@example.com", "viewer")
    before = len(_mail(conn))  # the viewer's invitation
    assert (
        viewer.post(
            page, {"body": V1, "base_version": "1", "action": "test"}, refresh=page
        ).status_code
        == 403
    )
    assert len(_mail(conn)) == before
