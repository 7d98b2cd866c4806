"""The operator dashboard: sessions, CSRF, read-only keys (in-process), and in a real browser
(Debian's Chromium driven by Playwright, against gunicorn): sign in, open a campaign, check the
funnel shows the API's numbers, upload a CSV packet and see its row errors, at 1280 px and at
phone width without horizontal scrolling. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app_service import PROJECT_ROOT, api_keys
from tests.api_support import CAMPAIGN, make_tenant, pub
from tests.helpers import csv_bytes, person

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _signed_in(app, token: str):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the session cookie is Secure
    form = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    response = client.post(
        "/login", data={"api_key": token, "csrf_token": _csrf(form)}, base_url="https://localhost"
    )
    return client, response


def test_sign_in_sessions_csrf_and_read_only_keys(conn, app):
    tenant = make_tenant(conn, app, "Dash")
    assert (
        app.test_client()
        .get("/", base_url="https://localhost")
        .headers["Location"]
        .endswith("/login")
    )
    client, bad = _signed_in(app, "rmd_wrong")
    assert bad.status_code == 401 and "not valid" in bad.get_data(as_text=True)
    client, ok = _signed_in(app, tenant.token)
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    # a __Host- cookie: no subdomain or other path can plant or shadow it
    assert cookie.startswith("__Host-session=") and "Path=/;" in cookie and "Domain" not in cookie
    assert tenant.token not in cookie
    campaign = tenant.post("/v1/campaigns", json=CAMPAIGN).json
    home = client.get("/", base_url="https://localhost").get_data(as_text=True)
    assert CAMPAIGN["name"] in home
    # a form without its CSRF token is refused
    upload = f"/campaigns/{campaign['id']}/packets"
    files = {"packet": (__import__("io").BytesIO(csv_bytes([person(1)])), "p.csv")}
    assert client.post(upload, data=files, base_url="https://localhost").status_code == 400
    # a read key sees the campaign and cannot upload
    reader = api_keys.create_key(conn, tenant.account_id, "reader", ["read"]).token
    rclient, _ = _signed_in(app, reader)
    page = rclient.get(f"/campaigns/{campaign['id']}", base_url="https://localhost").get_data(
        as_text=True
    )
    assert "Funnel" in page and "Upload a packet" not in page
    files = {
        "packet": (__import__("io").BytesIO(csv_bytes([person(1)])), "p.csv"),
        "csrf_token": _csrf(page),
    }
    assert rclient.post(upload, data=files, base_url="https://localhost").status_code == 403
    # revoking the key ends its sessions; another tenant's campaign is not found
    tenant.delete(
        f"/v1/api-keys/{next(k['id'] for k in tenant.get('/v1/api-keys').json['data'] if k['name'] == 'reader')}"
    )
    assert rclient.get("/", base_url="https://localhost").status_code == 302
    other = make_tenant(conn, app, "Other")
    oclient, _ = _signed_in(app, other.token)
    missing = oclient.get(f"/campaigns/{campaign['id']}", base_url="https://localhost")
    assert missing.status_code == 404 and missing.mimetype == "text/html"  # a page, not JSON
    assert "Back to the campaigns" in missing.get_data(as_text=True)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def test_in_a_real_browser(gunicorn, db_url, browser, tmp_path):
    import psycopg

    from app_service import campaigns as lib_campaigns
    from tests.helpers import load_rows, make_campaign

    base, _ = gunicorn
    base = base.replace("127.0.0.1", "localhost")  # a secure context for the Secure cookie
    with psycopg.connect(db_url, autocommit=True) as conn:
        account = lib_campaigns.create_account(conn, "Browser Clinic", timezone="America/Chicago")
        token = api_keys.create_key(conn, account, "dash", ["write"]).token
        row_id = make_campaign(conn, account, kind="survey", offsets=(-48, -2))
        load_rows(conn, row_id, [person(i) for i in range(5)])

    campaign = pub(row_id)  # what the served app shows (it shares the tests' link secret)
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    page.get_by_text("Sign in with an API key instead").click()
    page.get_by_label("API key").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    page.screenshot(path=str(ARTIFACTS / "dashboard-campaigns.png"), full_page=True)
    page.get_by_role("link", name="survey campaign").click()
    # the funnel shows what the API reports
    import json
    import urllib.request

    request = urllib.request.Request(
        f"{base}/v1/campaigns/{campaign}/report", headers={"Authorization": f"Bearer {token}"}
    )
    report = json.loads(urllib.request.urlopen(request).read())
    for metric in ("planned", "pending", "sent", "responded"):
        shown = page.locator(f'#funnel [data-metric="{metric}"] .value').inner_text()
        assert int(shown) == report["funnel"][metric], metric
    assert page.locator("svg.chart title").first.text_content().startswith("Messages sent")
    page.screenshot(path=str(ARTIFACTS / "dashboard-campaign.png"), full_page=True)
    # upload a small CSV with one bad row, and see its row error
    upload = tmp_path / "tomorrow.csv"
    upload.write_bytes(csv_bytes([person(10), person(11, phone="12345")]))
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Check first").click()
    # the check page: what would change, nothing changed yet
    page.wait_for_url(re.compile(r".*/campaigns/\d+/packets$"))
    assert "Nothing has changed yet" in page.content()
    assert "phone" in page.locator("#row-errors tbody tr").first.inner_text()
    effects = page.locator("#effects tbody tr").first
    assert effects.locator("a").get_attribute("href") == f"/campaigns/{campaign}"
    planned = effects.locator("td").nth(1).inner_text()
    assert planned == "2"  # 2 messages planned in this campaign (the row links to it by name)
    page.screenshot(path=str(ARTIFACTS / "dashboard-check.png"), full_page=True)
    page.get_by_role("button", name="Load it").click()
    page.wait_for_url(re.compile(r".*/packets/\d+$"))
    errors = page.locator("#row-errors tbody tr")
    assert errors.count() == 1 and "phone" in errors.first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-packet.png"), full_page=True)
    page.goto(f"{base}/health")
    page.screenshot(path=str(ARTIFACTS / "dashboard-health.png"), full_page=True)
    # phone width: no horizontal scrolling on the main pages
    phone = browser.new_page(viewport={"width": 375, "height": 800})
    phone.context.add_cookies(page.context.cookies())
    for path in ("/", f"/campaigns/{campaign}", "/health", "/locations"):
        phone.goto(f"{base}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
    phone.goto(f"{base}/campaigns/{campaign}")
    phone.screenshot(path=str(ARTIFACTS / "dashboard-campaign-phone.png"), full_page=True)
    assert Path(ARTIFACTS / "dashboard-campaign.png").stat().st_size > 10_000


def test_locations_page_lists_and_saves_locations(app, conn, tenant):
    client, _ = _signed_in(app, tenant.token)
    page = client.get("/locations", base_url="https://localhost").get_data(as_text=True)
    assert "No locations yet." in page
    form = {
        "csrf_token": _csrf(page),
        "external_id": "phx",
        "name": "Phoenix",
        "timezone": "America/Phoenix",
        "window_start": "08:00",
        "window_end": "18:00",
    }
    saved = client.post("/locations", data=form, base_url="https://localhost")
    assert saved.status_code == 302
    assert tenant.get("/v1/locations?external_id=phx").json["data"][0]["send_window"] == {
        "start": "08:00",
        "end": "18:00",
    }
    # a blank field keeps its value; a bad one is refused with the field and reason
    client.post(
        "/locations",
        data={"csrf_token": form["csrf_token"], "external_id": "phx", "address": "1 Main St"},
        base_url="https://localhost",
    )
    assert tenant.get("/v1/locations?external_id=phx").json["data"][0]["name"] == "Phoenix"
    bad = client.post(
        "/locations", data={**form, "timezone": "Mars/Base"}, base_url="https://localhost"
    )
    assert bad.status_code == 400 and "timezone: is not an IANA timezone name" in bad.get_data(
        as_text=True
    )
    assert (
        client.post(
            "/locations", data={"external_id": "x"}, base_url="https://localhost"
        ).status_code
        == 400
    )
    reader = api_keys.create_key(conn, tenant.account_id, "reader", ["read"]).token
    rclient, _ = _signed_in(app, reader)
    rpage = rclient.get("/locations", base_url="https://localhost").get_data(as_text=True)
    assert "Phoenix" in rpage and "Add or change" not in rpage
    refused = rclient.post(
        "/locations", data={**form, "csrf_token": _csrf(rpage)}, base_url="https://localhost"
    )
    assert refused.status_code == 403


def test_signing_out_ends_the_session_on_the_server(app, tenant):
    """A cookie saved before sign-out, replayed after it, opens nothing; each sign-in is a new
    session."""
    client, _ = _signed_in(app, tenant.token)
    assert client.get("/", base_url="https://localhost").status_code == 200
    saved = client.get_cookie("__Host-session", domain="localhost").value
    page = client.get("/", base_url="https://localhost").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": _csrf(page)}, base_url="https://localhost")
    thief = app.test_client()
    thief.environ_base["wsgi.url_scheme"] = "https"
    thief.set_cookie("__Host-session", saved, domain="localhost")
    replayed = thief.get("/", base_url="https://localhost")
    assert replayed.status_code == 302 and replayed.headers["Location"].endswith("/login")
    again, _ = _signed_in(app, tenant.token)
    assert again.get_cookie("__Host-session", domain="localhost").value != saved
    assert again.get("/", base_url="https://localhost").status_code == 200


def test_dashboard_requests_count_against_the_keys_limit(app, conn, tenant):
    """A signed-in session is no way around the key's per-minute limit."""
    limited = api_keys.create_key(
        conn, tenant.account_id, "slow", ["read"], rate_limit_per_minute=3
    ).token
    client, _ = _signed_in(app, limited)  # the sign-in itself is the first request
    statuses = [client.get("/", base_url="https://localhost").status_code for _ in range(4)]
    assert statuses[:2] == [200, 200] and statuses[-1] == 429, statuses
    last = client.get("/", base_url="https://localhost")
    assert last.status_code == 429 and int(last.headers["Retry-After"]) >= 1


def test_webhooks_page_lists_endpoints_and_their_attempts_per_account(
    app, conn, tenant, other_tenant
):
    from app_service import safe_http, webhooks

    dev = safe_http.Policy(allow_http=True, allow_loopback=True)
    mine = webhooks.create(
        conn,
        tenant.account_id,
        {"url": "https://hooks.example.com/a", "event_types": ["packet.ready"]},
        dev,
    )
    theirs = webhooks.create(
        conn, other_tenant.account_id, {"url": "https://other.example.com/b"}, dev
    )
    conn.execute(
        "INSERT INTO events (account_id, type) VALUES (%s, 'packet.ready')", [tenant.account_id]
    )
    event_id = conn.execute("SELECT max(id) FROM events").fetchone()[0]
    conn.execute(
        "INSERT INTO webhook_deliveries (account_id, endpoint_id, event_id) VALUES (%s, %s, %s)",
        [tenant.account_id, mine.endpoint["id"], event_id],
    )
    delivery = conn.execute("SELECT max(id) FROM webhook_deliveries").fetchone()[0]
    conn.execute(
        "SELECT record_webhook_attempt(%s, 503, 1234, 'upstream <b>busy</b>', NULL,"
        " '5 s', '6 h', '72 h', '120 h')",
        [delivery],
    )
    client, _ = _signed_in(app, tenant.token)
    listed = client.get("/webhooks", base_url="https://localhost").get_data(as_text=True)
    assert "https://hooks.example.com/a" in listed and "packet.ready" in listed
    assert "(503)" in listed and "failing since" in listed
    assert "other.example.com" not in listed  # another account's endpoint is not listed
    one = client.get(f"/webhooks/{pub(mine.endpoint['id'])}", base_url="https://localhost")
    page = one.get_data(as_text=True)
    assert one.status_code == 200 and "1234 ms" in page and "503" in page
    assert "upstream &lt;b&gt;busy&lt;/b&gt;" in page  # the receiver's answer, escaped
    assert "1 deliveries pending" in page
    other = client.get(f"/webhooks/{pub(theirs.endpoint['id'])}", base_url="https://localhost")
    assert other.status_code == 404  # tenant isolation
