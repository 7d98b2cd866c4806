"""The console's campaign builder: a manager creates a campaign from the form, previews it
(segments and the characters that force UCS-2), edits it while draft with a confirmation when
merge fields change, and moves it through its lifecycle; viewers and staff are refused; each
change is audited with before and after."""

from __future__ import annotations

from tests.api_support import make_tenant, row
from tests.test_people import _enrolled_person

FORM = {
    "name": "Cleaning reminders",
    "kind": "reminder",
    "channel": "sms",
    "window_start": "08:00",
    "window_end": "19:00",
    "step1_name": "day before",
    "step1_offset": "-24",
    "step1_template": "Hi {{ first_name }}, see you tomorrow at {{ appointment_time }}. Reply YES or NO",
}


def test_a_manager_builds_previews_edits_and_runs_a_campaign(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    assert "New campaign" in manager.get("/").get_data(as_text=True)
    manager.get("/campaigns/new")
    # preview: nothing saved; the curly quote is named as what forces UCS-2
    curly = {**FORM, "step1_template": "Hi {{ first_name }}, it\u2019s tomorrow"}
    shown = manager.post("/campaigns/new", {**curly, "action": "preview"}).get_data(as_text=True)
    assert "UCS-2 because of <code>\u2019</code> (U+2019)" in shown and "1 SMS segment" in shown
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0
    # a bad field is named and nothing is saved
    bad = manager.post("/campaigns/new", {**FORM, "step1_offset": "soon", "action": "save"})
    assert bad.status_code == 400 and "steps[1].offset" in bad.get_data(as_text=True)
    after = manager.post(
        "/campaigns/new", {**FORM, "step1_offset": "24", "action": "save"}, refresh="/campaigns/new"
    )
    assert after.status_code == 400 and "before the appointment" in after.get_data(as_text=True)
    made = manager.post("/campaigns/new", {**FORM, "action": "save"}, refresh="/campaigns/new")
    assert made.status_code == 302
    campaign = row(int(made.headers["Location"].rsplit("/", 1)[1]))
    found = conn.execute("SELECT status, name FROM campaigns WHERE id = %s", [campaign]).fetchone()
    assert found == ("draft", "Cleaning reminders")
    # editing a draft that adds a merge field asks to confirm first
    edit = f"/campaigns/{campaign}/edit"
    changed = {
        **FORM,
        "step1_template": FORM["step1_template"] + " at {{ location }}",
        "action": "save",
    }
    ask = manager.post(edit, changed, refresh=edit)
    assert (
        ask.status_code == 409
        and "adds the merge fields <strong>location</strong>" in ask.get_data(as_text=True)
    )
    assert (
        "location"
        not in conn.execute(
            "SELECT template FROM campaign_steps WHERE campaign_id = %s", [campaign]
        ).fetchone()[0]
    )
    assert manager.post(edit, {**changed, "confirm_fields": "yes"}, refresh=edit).status_code == 302
    assert (
        "{{ location }}"
        in conn.execute(
            "SELECT template FROM campaign_steps WHERE campaign_id = %s", [campaign]
        ).fetchone()[0]
    )
    # lifecycle: activate, pause, resume; a running campaign cannot be edited
    for verb, status in (("activate", "active"), ("pause", "paused"), ("resume", "active")):
        assert (
            manager.post(
                f"/campaigns/{campaign}/{verb}", refresh=f"/campaigns/{campaign}"
            ).status_code
            == 302
        )
        assert (
            conn.execute("SELECT status FROM campaigns WHERE id = %s", [campaign]).fetchone()[0]
            == status
        )
    assert manager.get(edit).status_code == 409
    assert (
        manager.post(f"/campaigns/{campaign}/resume", refresh=f"/campaigns/{campaign}").status_code
        == 409
    )
    actions = [
        r[0]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE object_type = 'campaign' ORDER BY id"
        )
    ]
    assert actions == [
        "campaign.created",
        "campaign.edited",
        "campaign.activate",
        "campaign.pause",
        "campaign.resume",
    ]
    before, after = conn.execute(
        "SELECT before, after FROM audit_log WHERE action = 'campaign.activate'"
    ).fetchone()
    assert before == {"status": "draft"} and after == {"status": "active"}


def test_staff_and_viewers_cannot_build_or_run_campaigns(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    manager, _, _ = _enrolled_person(app, conn, account, "mgr@example.com", "manager")
    made = manager.post("/campaigns/new", {**FORM, "action": "save"}, refresh="/campaigns/new")
    campaign = row(int(made.headers["Location"].rsplit("/", 1)[1]))
    for role in ("staff", "viewer"):
        person, _, _ = _enrolled_person(app, conn, account, f"{role}@example.com", role)
        assert "New campaign" not in person.get("/").get_data(as_text=True)
        refused = person.get("/campaigns/new")
        assert refused.status_code == 403
        # a person in a browser gets the console's page, not the API's problem+json
        assert refused.mimetype == "text/html"
        assert "may not build campaigns" in refused.get_data(as_text=True)
        assert person.post("/campaigns/new", {**FORM, "action": "save"}).status_code == 403
        assert person.post(f"/campaigns/{campaign}/activate", refresh="/").status_code == 403
    assert (
        conn.execute("SELECT status FROM campaigns WHERE id = %s", [campaign]).fetchone()[0]
        == "draft"
    )
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com")
    assert intruder.post(f"/campaigns/{campaign}/activate", refresh="/").status_code == 404
    assert intruder.get(f"/campaigns/{campaign}/edit").status_code == 404
