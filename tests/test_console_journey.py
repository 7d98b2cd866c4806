"""The console as its people use it, in Debian's Chromium (Playwright) against gunicorn: an owner
accepts the operator's invitation, enrols TOTP, invites a manager and a viewer; the manager
enrols and uploads a list; the owner answers a reply in the inbox and reads the audit log; the viewer is refused by UI and by
direct URL. axe-core checks each page for WCAG 2.2 AA violations at desktop and phone width,
and screenshots go to test-artifacts/console-*.png."""

from __future__ import annotations

import re
import time

import psycopg
import pyotp
import pytest

from app_service import PROJECT_ROOT, replies
from app_service.people import audit, directory
from tests.helpers import csv_bytes, make_campaign, person
from tests.test_dashboard import CHROMIUM

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PASSWORD = "a passphrase long enough to remember"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _accessible(page, name: str) -> None:
    """No WCAG 2.2 AA violation at 1280 px and at 390 px; a screenshot of each."""
    from axe_playwright_python.sync_playwright import Axe

    for width, label in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
        found = [(v["id"], v["help"], len(v["nodes"])) for v in result.response["violations"]]
        assert found == [], f"{name} at {label}: {found}"
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} at {label} scrolls sideways ({overflow} px)"
        page.screenshot(path=str(ARTIFACTS / f"console-{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _fresh_code(totp: pyotp.TOTP, used: set[str]) -> str:
    """A code not used yet (each TOTP code works once): wait for the next step if needed."""
    while (code := totp.now()) in used:
        time.sleep(1)
    used.add(code)
    return code


AUTHENTICATORS: dict[str, tuple[pyotp.TOTP, set[str]]] = {}  # email: its TOTP, codes used


def _join(browser, base: str, link: str, email: str, name: str, shots: bool = False):
    """Accept an invitation, sign in, enrol TOTP (kept in AUTHENTICATORS); returns the
    signed-in page."""
    page = browser.new_context(base_url=base).new_page()
    page.goto(link.replace(base, ""))
    if shots:
        _accessible(page, "accept")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(re.compile(r"/login\?welcome=1$"))
    if shots:
        _accessible(page, "sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/mfa/setup$"))
    if shots:
        _accessible(page, "mfa-setup")
    totp = pyotp.TOTP(page.get_by_label("Setup key").input_value())
    used: set[str] = set()
    AUTHENTICATORS[email] = (totp, used)
    page.get_by_label("Code from the app").fill(_fresh_code(totp, used))
    page.get_by_role("button", name="Turn on").click()
    assert page.locator("#recovery-codes li").count() == 10
    if shots:
        _accessible(page, "recovery-codes")
    page.get_by_role("link", name="Continue to the console").click()
    page.wait_for_url(re.compile(r"/$"))
    return page


def test_an_owner_a_manager_and_a_viewer_in_a_real_browser(gunicorn, db_url, chromium):
    from app_service import campaigns as lib_campaigns

    ARTIFACTS.mkdir(exist_ok=True)
    base, _ = gunicorn
    base = base.replace("127.0.0.1", "localhost")  # a secure context for the __Host- cookie
    with psycopg.connect(db_url, autocommit=True) as conn:
        account = lib_campaigns.create_account(conn, "Maple Dental", timezone="America/Chicago")
        make_campaign(conn, account)
        operator = audit.Actor(account_id=account, role=None, address="cli")
        link = directory.invite(conn, operator, "owner@maple.example", "owner", base_url=base).link

    owner = _join(chromium, base, link, "owner@maple.example", "Olive Owner", shots=True)
    _accessible(owner, "campaigns")
    owner.get_by_role("link", name="People").click()
    for email, role in (("manager@maple.example", "manager"), ("viewer@maple.example", "viewer")):
        owner.get_by_label("Email").fill(email)
        owner.get_by_label("Role", exact=True).select_option(role)
        owner.get_by_role("button", name="Send invitation").click()
        assert owner.get_by_role("status").inner_text() == f"Invitation sent to {email}."
    _accessible(owner, "people")
    with psycopg.connect(db_url, autocommit=True) as conn:
        links = {
            m["recipient"]: re.search(r"https?://\S+", m["body"]).group(0)
            for m in directory.mail(conn, 10)
        }

    manager = _join(chromium, base, links["manager@maple.example"], "manager@maple.example", "Max")
    # the manager builds a survey campaign, previews it, saves and activates it
    manager.get_by_role("link", name="New campaign").click()
    manager.get_by_label("Campaign name").fill("Visit survey")
    manager.get_by_label("Kind").select_option("survey")
    manager.locator("#step1_offset").fill("2")
    manager.locator("#step1_template").fill("How was your visit, {{ first_name }}? Reply 0-10")
    manager.get_by_role("button", name="Preview").click()
    assert "GSM-7" in manager.locator("#preview-1").inner_text()
    _accessible(manager, "campaign-builder")
    manager.get_by_role("button", name="Save as draft").click()
    manager.wait_for_url(re.compile(r"/campaigns/\d+$"))
    manager.get_by_role("button", name="Activate").click()
    assert "survey by sms, active" in manager.locator("main").inner_text()
    manager.get_by_role("link", name="Campaigns").click()
    manager.get_by_role("link", name="reminder campaign").first.click()
    upload = manager.locator("input[type=file]")
    sites = ("north", "north", "south")
    upload.set_input_files(
        {
            "name": "tomorrow.csv",
            "mimeType": "text/csv",
            "buffer": csv_bytes([person(i, location_id=sites[i]) for i in range(3)]),
        }
    )
    # through the check page: what will change, then load it
    manager.get_by_role("button", name="Check first").click()
    manager.get_by_role("button", name="Load it").wait_for()  # the check page, nothing loaded
    assert "What will change" in manager.locator("main").inner_text()
    _accessible(manager, "upload-check")
    manager.get_by_role("button", name="Load it").click()
    manager.wait_for_url(re.compile(r"/packets/\d+$"))
    _accessible(manager, "packet")
    assert manager.get_by_role("link", name="People").count() == 0  # not in a manager's menu
    assert manager.goto(f"{base}/people").status == 403

    viewer = _join(chromium, base, links["viewer@maple.example"], "viewer@maple.example", "Vic")
    for path in ("/people", "/audit", "/audit?format=csv"):
        assert viewer.goto(f"{base}{path}").status == 403
    viewer.goto(f"{base}/locations")
    assert viewer.get_by_role("button", name="Save").count() == 0

    # front-desk staff, one per location, invited through the People page
    owner.get_by_role("link", name="People").click()
    for site in ("north", "south"):
        invite = owner.locator("form", has=owner.locator("#invite-email"))
        invite.get_by_label("Email").fill(f"{site}@maple.example")
        invite.get_by_label("Role", exact=True).select_option("staff")
        invite.get_by_label("Location").select_option(label=site)
        invite.get_by_role("button", name="Send invitation").click()
        assert (
            owner.get_by_role("status").inner_text() == f"Invitation sent to {site}@maple.example."
        )
    with psycopg.connect(db_url, autocommit=True) as conn:
        links = {
            m["recipient"]: re.search(r"https?://\S+", m["body"]).group(0)
            for m in directory.mail(conn, 10)
        }
    north = _join(chromium, base, links["north@maple.example"], "north@maple.example", "Nia")
    south = _join(chromium, base, links["south@maple.example"], "south@maple.example", "Sol")

    # a north patient texts back; the north desk answers; the south desk never sees it
    with psycopg.connect(db_url, autocommit=True) as conn:
        north_message = conn.execute(
            "SELECT m.id FROM messages m JOIN locations l ON l.id = m.location_id"
            " JOIN campaigns c ON c.id = m.campaign_id"
            " WHERE l.external_id = 'north' AND c.name = 'reminder campaign' ORDER BY m.id LIMIT 1"
        ).fetchone()[0]
        replies.handle_reply(conn, north_message, "Can I bring my son too?")
    north.get_by_role("link", name="Inbox").click()
    north.locator("#conversations a").first.click()
    conversation_url = north.url
    north.get_by_label("Your answer").fill("Yes, book him in at the desk.")
    north.get_by_role("button", name="Send answer").click()
    later = north.get_by_role("button", name="Send at the next allowed time")
    if later.count():
        later.click()
    assert "Yes, book him in" in north.locator("#thread .answer").first.inner_text()
    south.get_by_role("link", name="Inbox").click()
    assert south.locator("#conversations a").count() == 0
    assert south.goto(conversation_url).status == 404  # by direct URL too
    assert viewer.goto(conversation_url).status == 200  # a viewer reads...
    assert viewer.get_by_role("button", name="Send answer").count() == 0  # ...and cannot answer
    for path in ("/people", "/audit", "/keys", "/templates/new", "/campaigns/new"):
        assert south.goto(f"{base}{path}").status == 403, path

    # a patient texts back; the owner finds it in the inbox and takes it
    with psycopg.connect(db_url, autocommit=True) as conn:
        message = conn.execute("SELECT id FROM messages ORDER BY id LIMIT 1").fetchone()[0]
        replies.handle_reply(conn, message, "Could I move it to another day?")
    owner.get_by_role("link", name="Inbox").click()
    _accessible(owner, "inbox")
    owner.locator("#conversations a").first.click()
    owner.get_by_role("button", name="Assign to me").click()
    owner.get_by_label("Add a note").fill("Offered Thursday 10:00")
    owner.get_by_role("button", name="Add note").click()
    assert "Offered Thursday 10:00" in owner.locator("#notes").inner_text()
    # and answers the patient: now, or at the window's next opening in quiet hours
    owner.get_by_label("Your answer").fill("Thursday at 10:00 is free; shall we move it?")
    owner.get_by_role("button", name="Send answer").click()
    later = owner.get_by_role("button", name="Send at the next allowed time")
    if later.count():
        _accessible(owner, "answer-quiet-hours")
        later.click()
    answer = owner.locator("#thread .answer").first.inner_text()
    assert "Answer by" in answer and "Thursday at 10:00 is free" in answer
    _accessible(owner, "conversation")
    owner.get_by_role("link", name="Customers").click()
    owner.get_by_label("Name, phone, email or your id").fill("Name0")
    owner.get_by_role("button", name="Search").click()
    _accessible(owner, "customers")
    owner.locator("#customers a").first.click()
    owner.get_by_label("Reason (kept as evidence)").fill("asked by phone")
    owner.get_by_role("button", name="Record consent change").click()
    assert "asked by phone" in owner.locator("#consent").inner_text()
    _accessible(owner, "customer")

    owner.goto(f"{base}/audit")
    text = owner.locator("#audit").inner_text()
    for action in (
        "invitation.created",
        "invitation.accepted",
        "mfa.enrolled",
        "packet.uploaded",
        "conversation.answered",
    ):
        assert action in text
    assert "north@maple.example" in text
    assert "manager@maple.example" in text
    _accessible(owner, "audit")
    owner.goto(f"{base}/sessions")
    _accessible(owner, "sessions")
    owner.goto(f"{base}/account/password")
    _accessible(owner, "password")
    owner.goto(f"{base}/account/email")
    _accessible(owner, "email")
    owner.goto(f"{base}/keys")
    owner.get_by_label("Name").fill("Practice system")
    owner.get_by_role("button", name="Make key").click()
    assert owner.get_by_label("Key", exact=True).input_value().startswith("rmd_")
    _accessible(owner, "keys")


def test_a_security_key_stands_in_for_the_code(gunicorn, db_url, chromium):
    """WebAuthn end to end in Chromium with its virtual authenticator (CDP): register a key,
    sign out, sign in with password + key; a browser without the key cannot finish."""
    from playwright.sync_api import expect

    from app_service import campaigns as lib_campaigns

    base, _ = gunicorn
    base = base.replace("127.0.0.1", "localhost")  # WebAuthn needs a secure context
    with psycopg.connect(db_url, autocommit=True) as conn:
        account = lib_campaigns.create_account(conn, "Key Clinic", timezone="America/Chicago")
        operator = audit.Actor(account_id=account, role=None, address="cli")
        link = directory.invite(conn, operator, "keys@clinic.example", "owner", base_url=base).link
    page = _join(chromium, base, link, "keys@clinic.example", "Kim")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    page.get_by_role("link", name="Your sign-in").click()
    _accessible(page, "your-sign-in")
    page.get_by_role("link", name="Security keys").click()
    page.get_by_label("Name for the new key").fill("Blue key")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(
        _fresh_code(*AUTHENTICATORS["keys@clinic.example"])
    )
    page.get_by_role("button", name="Add a security key").click()
    expect(page.locator("#security-keys")).to_contain_text("Blue key")
    _accessible(page, "security-keys")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").fill("keys@clinic.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/login/mfa$"))
    page.get_by_role("button", name="Use your security key instead").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Key Clinic" in page.locator("header").inner_text()
    # another browser, with the password but without the key, stays at the second factor
    other = chromium.new_context(base_url=base).new_page()
    cdp2 = other.context.new_cdp_session(other)
    cdp2.send("WebAuthn.enable")
    cdp2.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    other.goto("/login")
    other.get_by_label("Email").fill("keys@clinic.example")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Continue").click()
    other.wait_for_url(re.compile(r"/login/mfa$"))
    other.get_by_role("button", name="Use your security key instead").click()
    expect(other.locator("#webauthn-status")).not_to_be_empty()
    assert other.goto(f"{base}/").url.endswith("/login/mfa")
    with psycopg.connect(db_url, autocommit=True) as conn:
        used = conn.execute("SELECT last_used_at IS NOT NULL FROM webauthn_credentials").fetchone()[
            0
        ]
        assert used


def test_a_manager_edits_a_template_with_its_live_preview_and_history(gunicorn, db_url, chromium):
    """The template editor in Chromium: the preview follows the typing (template_preview.js,
    no button pressed), names the UCS-2 characters and renders a chosen customer; a save that
    adds a merge field asks first; the history shows the change and restores a version. Each
    page passes axe at both widths."""
    from playwright.sync_api import expect

    from app_service import campaigns as lib_campaigns
    from tests.helpers import load_rows

    ARTIFACTS.mkdir(exist_ok=True)
    base, _ = gunicorn
    base = base.replace("127.0.0.1", "localhost")
    with psycopg.connect(db_url, autocommit=True) as conn:
        account = lib_campaigns.create_account(conn, "Oak Clinic", timezone="America/Chicago")
        load_rows(conn, make_campaign(conn, account), [person(1)])
        operator = audit.Actor(account_id=account, role=None, address="cli")
        link = directory.invite(conn, operator, "mgr@oak.example", "manager", base_url=base).link
    page = _join(chromium, base, link, "mgr@oak.example", "Mo")
    page.get_by_role("link", name="Templates").click()
    _accessible(page, "templates")
    page.get_by_role("link", name="New template").click()
    page.wait_for_url(re.compile(r"/templates/new$"))
    page.get_by_label("Template name").fill("Day before")
    body = page.get_by_label("Message (merge fields like")
    body.fill("Hi {{ first_name }}, see you at {{ appointment_time }} \u2013 reply YES")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("UCS-2 because of \u2013 (U+2013)")  # typed, not submitted
    expect(preview.locator("mark.field")).to_have_count(2)
    page.get_by_label("Find a customer").fill("Name1")
    page.get_by_role("button", name="Find").click()  # a full page: the script loads again
    expect(page.get_by_label("Customer", exact=True).locator("option")).to_have_count(2)
    page.wait_for_load_state("load")
    page.get_by_label("Customer", exact=True).select_option(index=1)
    expect(preview).to_contain_text("Hi Name1, see you at")  # the select's change, live
    _accessible(page, "template-editor")
    page.get_by_role("button", name="Save template").click()
    page.wait_for_url(re.compile(r"/templates/\d+$"))
    page.get_by_label("Message (merge fields like").fill("Hi {{ first_name }}, bring {{ card }}")
    page.get_by_role("button", name="Save a new version").click()
    expect(page.locator("#confirm-fields")).to_contain_text("adds the merge fields card")
    expect(page.locator("#confirm-fields")).to_contain_text("removes appointment_time")
    _accessible(page, "template-confirm")
    page.get_by_role("button", name="Save a new version").click()
    page.wait_for_url(re.compile(r"/templates/\d+$"))
    expect(page.locator("#history")).to_contain_text("mgr@oak.example")
    page.get_by_role("link", name="View version 2 and its changes").click()
    expect(page.locator("#diff-body del").first).to_contain_text("see")
    page.get_by_label("Compare with version").select_option("1")
    page.get_by_role("button", name="Compare").click()
    _accessible(page, "template-version")
    page.goto(f"{page.url.split('/versions')[0]}/versions?show=1")
    page.get_by_role("button", name="Restore this version").click()
    page.get_by_role("button", name="Restore version 1").click()  # it changes merge fields
    page.wait_for_url(re.compile(r"/templates/\d+$"))
    expect(page.locator("#history")).to_contain_text("restored version 1")
