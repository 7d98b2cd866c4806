"""The report pages in Debian's Chromium against gunicorn: an owner picks a location on a
campaign's report, downloads its figures and a small export, and reads the Exports pages of a
queued and a built export; axe-core finds no WCAG 2.2 AA violation on each (desktop and phone
width; screenshots in test-artifacts/console-*.png)."""

from __future__ import annotations

import re

import psycopg

from app_service import report_exports
from app_service.people import audit, directory
from tests.api_support import IDS
from tests.helpers import load_rows, make_campaign, person
from tests.test_console_journey import ARTIFACTS, _accessible, _join, chromium  # noqa: F401


def test_report_filters_and_exports_in_a_real_browser(gunicorn, db_url, chromium):  # noqa: F811
    from app_service import campaigns as lib_campaigns

    ARTIFACTS.mkdir(exist_ok=True)
    base, _ = gunicorn
    base = base.replace("127.0.0.1", "localhost")  # a secure context for the __Host- cookie
    with psycopg.connect(db_url, autocommit=True) as conn:
        account = lib_campaigns.create_account(conn, "Birch Dental", timezone="America/Chicago")
        campaign = make_campaign(conn, account)
        load_rows(
            conn,
            campaign,
            [
                person(1, location_id="north"),
                person(2, location_id="north"),
                person(3, location_id="south"),
            ],
        )
        operator = audit.Actor(account_id=account, role=None, address="cli")
        link = directory.invite(conn, operator, "owner@birch.example", "owner", base_url=base).link
    owner = _join(chromium, base, link, "owner@birch.example", "Bea Owner")
    owner.goto(IDS.publish_path(f"/campaigns/{campaign}"))
    owner.get_by_label("Show figures for").select_option(label="north")
    owner.get_by_role("button", name="Show").click()
    owner.wait_for_url(re.compile(r"\?location=\d+$"))
    planned = owner.locator('[data-metric="planned"] .value').inner_text()
    with psycopg.connect(db_url, autocommit=True) as conn:
        want = conn.execute(
            "SELECT count(*) FROM messages m JOIN locations l ON l.id = m.location_id WHERE l.external_id = 'north'"
        ).fetchone()[0]
    assert int(planned) == want
    _accessible(owner, "campaign-report-location")
    with owner.expect_download() as figures:
        owner.get_by_role("link", name="Download these figures (CSV)").click()
    assert "campaign,location,north" in figures.value.path().read_text()
    with owner.expect_download() as small:
        owner.get_by_role("button", name="Export CSV").click()
    lines = small.value.path().read_text().splitlines()
    assert lines[0].startswith("message_id,location,customer") and len(lines) == want + 1

    # a queued and a built export (the worker's code builds it, as in the worker process)
    with psycopg.connect(db_url, autocommit=True) as conn:
        north = conn.execute("SELECT id FROM locations WHERE external_id = 'north'").fetchone()[0]
        made = [
            conn.execute(
                "INSERT INTO report_exports (account_id, campaign_id, location_id, since, until, rows_expected)"
                " VALUES (%s, %s, %s, now() - interval '1 day', now() + interval '9 days', %s) RETURNING id",
                [account, campaign, north, want],
            ).fetchone()[0]
            for _ in range(2)
        ]
    assert report_exports.build_next(db_url, "browser-test", IDS.encode) == made[0]
    owner.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    assert owner.locator("#exports tbody tr").count() == 2
    _accessible(owner, "exports")
    owner.goto(IDS.publish_path(f"/exports/{made[1]}"))
    assert "queued" in owner.get_by_role("status").inner_text()
    _accessible(owner, "export-queued")
    owner.goto(IDS.publish_path(f"/exports/{made[0]}"))
    _accessible(owner, "export-done")
    with owner.expect_download() as built:
        owner.get_by_role("link", name="Download the CSV").click()
    assert len(built.value.path().read_text().splitlines()) == want + 1
