"""Reports per location and CSV exports, through the console's real forms (Flask client over the
real PostgreSQL): a location's figures agree with counts taken from the tables themselves; a
location-scoped member cannot widen what they see by URL or form (nor in the database); a large
export goes queued -> running -> done -> expired, built by the worker's export code; another
account's export is a 404; cells a spreadsheet would run are neutralised; every role may export,
and downloads are audited."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from app_service import replies, report_exports, reports
from tests.api_support import IDS, make_tenant
from tests.helpers import load_rows, make_campaign, person
from tests.test_people import _enrolled_person, _enrolled_person_from_link, _invite_link

TODAY = date.today()
RANGE = {
    "since": (TODAY - timedelta(days=2)).isoformat(),
    "until": (TODAY + timedelta(days=10)).isoformat(),
}


def _loc(conn, external_id: str) -> int:
    return conn.execute(
        "SELECT id FROM locations WHERE external_id = %s", [external_id]
    ).fetchone()[0]


def _setup(app, conn):
    """Three customers at north, two at south, one without a location; replies at both."""
    account = make_tenant(conn, app, "Chain").account_id
    campaign = make_campaign(conn, account)
    load_rows(
        conn,
        campaign,
        [person(i, location_id="north") for i in (1, 2, 3)]
        + [person(i, location_id="south") for i in (4, 5)]
        + [person(6)],
    )
    by_customer = dict(
        conn.execute(
            "SELECT c.external_id, min(m.id) FROM messages m JOIN customers c ON c.id = m.customer_id GROUP BY 1"
        ).fetchall()
    )
    replies.handle_reply(conn, by_customer["c1"], "YES")
    replies.handle_reply(conn, by_customer["c2"], "Can I come another day?")
    replies.handle_reply(conn, by_customer["c4"], "YES")
    return account, campaign


def _independent(conn, campaign: int, location: int | None) -> dict:
    """What the location's report must say, counted from messages and events directly."""
    where = "m.location_id IS NULL" if location is None else "m.location_id = %(loc)s"
    planned, scheduled = conn.execute(
        f"SELECT count(*), count(*) FILTER (WHERE status = 'scheduled') FROM messages m"
        f" WHERE campaign_id = %(c)s AND {where}",
        {"c": campaign, "loc": location},
    ).fetchone()
    responded, confirmed = conn.execute(
        f"SELECT count(*) FILTER (WHERE e.kind = 'reply'), count(*) FILTER (WHERE e.kind = 'confirmed')"
        f" FROM message_events e JOIN messages m ON m.id = e.message_id WHERE m.campaign_id = %(c)s AND {where}",
        {"c": campaign, "loc": location},
    ).fetchone()
    return {
        "planned": planned,
        "pending": scheduled,
        "responded": responded,
        "confirmed": confirmed,
    }


def _total(conn, campaign: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM messages WHERE campaign_id = %s", [campaign]
    ).fetchone()[0]


def _cards(html: str) -> dict[str, int]:
    import re

    return {
        k: int(v)
        for k, v in re.findall(
            r'data-metric="(\w+)"><div class="muted">[^<]*</div><div class="value">(\d+)<', html
        )
    }


def _rows(body: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body)))


def test_a_locations_report_agrees_with_an_independent_count(app, conn):
    account, campaign = _setup(app, conn)
    north, south = _loc(conn, "north"), _loc(conn, "south")
    for location in (north, south):
        report = reports.campaign_report(conn, campaign, location)
        want = _independent(conn, campaign, location)
        assert {k: report["funnel"][k] for k in want} == want
        assert [entry["location"] for entry in report["locations"]] == [
            "north" if location == north else "south"
        ]
    # the whole campaign is the sum of its locations (and the one without a location)
    whole = reports.campaign_report(conn, campaign)["funnel"]
    parts = [_independent(conn, campaign, loc) for loc in (north, south, None)]
    assert whole["planned"] == sum(p["planned"] for p in parts) == _total(conn, campaign)
    assert whole["responded"] == sum(p["responded"] for p in parts) == 3
    # the activity series per location counts that location's replies only
    since, until = datetime.now(UTC) - timedelta(days=1), datetime.now(UTC) + timedelta(days=1)
    series = reports.timeseries(conn, campaign, "day", since, until, location_id=north)
    assert sum(p["responses"] for p in series) == _independent(conn, campaign, north)["responded"]
    # and the console shows the same figures for the chosen location
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    page = owner.get(f"/campaigns/{campaign}?location={IDS.encode(north)}").get_data(as_text=True)
    cards = _cards(page)
    assert {k: cards[k] for k in ("planned", "pending", "responded", "confirmed")} == _independent(
        conn, campaign, north
    )
    table = page.split('id="by-location"')[1].split("</table>")[0]
    assert "north" in table and "south" not in table
    figures = owner.get(f"/campaigns/{campaign}/report.csv?location={IDS.encode(south)}")
    assert figures.status_code == 200 and figures.mimetype == "text/csv"
    got = {(r["section"], r["metric"]): r["value"] for r in _rows(figures.get_data(as_text=True))}
    assert got[("campaign", "location")] == "south"
    assert int(got[("funnel", "planned")]) == _independent(conn, campaign, south)["planned"]
    # a location of another account, or no location at all, is a 404
    other = make_tenant(conn, app, "Other").account_id
    conn.execute(
        "INSERT INTO locations (account_id, external_id) VALUES (%s, 'elsewhere')", [other]
    )
    assert (
        owner.get(
            f"/campaigns/{campaign}?location={IDS.encode(_loc(conn, 'elsewhere'))}"
        ).status_code
        == 404
    )
    assert owner.get(f"/campaigns/{campaign}?location=12x").status_code == 404


def test_a_location_scoped_member_cannot_widen_the_report(app, conn):
    account, campaign = _setup(app, conn)
    north, south = _loc(conn, "north"), _loc(conn, "south")
    desk = _enrolled_person_from_link(
        app,
        _invite_link(conn, account, "north@example.com", "staff", location_id=north),
        "north@example.com",
    )
    page = desk.get(f"/campaigns/{campaign}").get_data(as_text=True)
    want = _independent(conn, campaign, north)
    assert {k: _cards(page)[k] for k in want} == want  # their location's, without asking
    assert 'id="location-filter"' not in page  # no chooser to widen it with
    for url in (
        f"/campaigns/{campaign}?location={IDS.encode(south)}",
        f"/campaigns/{campaign}/report.csv?location={IDS.encode(south)}",
    ):
        assert desk.get(url).status_code == 403, url
    own = desk.get(f"/campaigns/{campaign}/report.csv").get_data(as_text=True)
    assert ("campaign", "location") in {(r["section"], r["metric"]) for r in _rows(own)}
    assert "location.south" not in own and "location.north" in own
    refused = desk.post(
        f"/campaigns/{campaign}/exports",
        {**RANGE, "location": str(IDS.encode(south))},
        refresh=f"/campaigns/{campaign}",
    )
    assert refused.status_code == 403
    # their direct export holds their location's messages only
    mine = desk.post(f"/campaigns/{campaign}/exports", RANGE, refresh=f"/campaigns/{campaign}")
    assert {r["location"] for r in _rows(mine.get_data(as_text=True))} == {"north"}
    assert len(_rows(mine.get_data(as_text=True))) == want["planned"]
    # and the database refuses the same, whatever code asks
    from tests.test_people import _as_member, _leave

    _as_member(conn, account, "staff", north)
    try:
        assert conn.execute("SELECT count(*) FROM campaign_event_counts").fetchone() == (0,)
        assert conn.execute(
            "SELECT count(DISTINCT location_id) FROM campaign_location_event_counts"
        ).fetchone() == (1,)
        for location in (south, None):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(
                    "SELECT report_export_request(%s, %s, now(), now() + interval '1 day', NULL, NULL, 0)",
                    [campaign, location],
                )
    finally:
        _leave(conn)


def _export_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return IDS.decode(int(response.headers["Location"].rsplit("/", 1)[1]))


def test_a_large_export_is_queued_built_downloaded_and_expires(app, conn, db_url, monkeypatch):
    monkeypatch.setattr(report_exports, "STREAM_ROWS", 2)  # every export here is "large"
    account, campaign = _setup(app, conn)
    north = _loc(conn, "north")
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    export_id = _export_id(
        owner.post(
            f"/campaigns/{campaign}/exports",
            {**RANGE, "location": str(IDS.encode(north))},
            refresh=f"/campaigns/{campaign}",
        )
    )
    assert "State: <strong>queued</strong>" in owner.get(f"/exports/{export_id}").get_data(
        as_text=True
    )
    assert owner.get(f"/exports/{export_id}/download").status_code == 409
    # a builder claims it and dies: running, then its lease runs out and another takes it
    conn.execute("SELECT * FROM claim_report_export('dead-worker', interval '1 second')")
    running = owner.get(f"/exports/{export_id}").get_data(as_text=True)
    assert "State: <strong>running</strong>" in running and "<progress" in running
    time.sleep(1.2)
    assert report_exports.build_next(db_url, "worker-2", IDS.encode, chunk_bytes=64) == export_id
    state, attempts, written, chunks = conn.execute(
        "SELECT state, attempts, rows_written, (SELECT count(*) FROM report_export_chunks WHERE export_id = e.id)"
        " FROM report_exports e WHERE id = %s",
        [export_id],
    ).fetchone()
    want = _independent(conn, campaign, north)["planned"]
    assert (state, attempts, written) == ("done", 2, want) and chunks > 1  # small chunks: several
    page = owner.get(f"/exports/{export_id}").get_data(as_text=True)
    assert 'id="download"' in page and link_of(export_id) in owner.get("/exports").get_data(
        as_text=True
    )
    got = owner.get(f"/exports/{export_id}/download")
    assert got.status_code == 200 and got.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = _rows(got.get_data(as_text=True))
    assert len(body) == want and {r["location"] for r in body} == {"north"}
    assert {r["replied"] for r in body} == {"yes", "no"}
    assert conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'report_export.downloaded' AND object_id = %s",
        [str(export_id)],
    ).fetchone() == (1,)
    # past its time the file goes and the page says so
    conn.execute(
        "UPDATE report_exports SET expires_at = now() - interval '1 second' WHERE id = %s",
        [export_id],
    )
    assert owner.get(f"/exports/{export_id}/download").status_code == 410  # before the tick too
    assert report_exports.expire(conn) == 1
    assert conn.execute(
        "SELECT state, (SELECT count(*) FROM report_export_chunks WHERE export_id = e.id) FROM report_exports e WHERE id = %s",
        [export_id],
    ).fetchone() == ("expired", 0)
    assert "has expired" in owner.get(f"/exports/{export_id}").get_data(as_text=True)
    assert owner.get(f"/exports/{export_id}/download").status_code == 410


def link_of(export_id: int) -> str:
    return IDS.publish_path(f"/exports/{export_id}")


def test_the_worker_thread_builds_exports_and_others_cannot_reach_them(
    app, conn, db_url, monkeypatch
):
    monkeypatch.setattr(report_exports, "STREAM_ROWS", 0)
    account, campaign = _setup(app, conn)
    north, south = _loc(conn, "north"), _loc(conn, "south")
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    everywhere = _export_id(owner.post(f"/campaigns/{campaign}/exports", RANGE, refresh="/"))
    at_north = _export_id(
        owner.post(
            f"/campaigns/{campaign}/exports",
            {**RANGE, "location": str(IDS.encode(north))},
            refresh="/",
        )
    )
    builder = report_exports.ExportBuilder(db_url, "thread-test", IDS.encode, idle_seconds=0.1)
    builder.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            states = {r[0] for r in conn.execute("SELECT state FROM report_exports")}
            if states == {"done"}:
                break
            time.sleep(0.1)
    finally:
        builder.stop()
        builder.join(timeout=10)
    assert states == {"done"}
    all_rows = _rows(owner.get(f"/exports/{everywhere}/download").get_data(as_text=True))
    assert len(all_rows) == _total(conn, campaign) and {r["location"] for r in all_rows} == {
        "north",
        "south",
        "",
    }
    # another account's member: 404 on the page, the download and the list
    other = make_tenant(conn, app, "Other").account_id
    intruder, _, _ = _enrolled_person(app, conn, other, "intruder@example.com")
    for url in (f"/exports/{everywhere}", f"/exports/{everywhere}/download"):
        assert intruder.get(url).status_code == 404
    assert "No exports yet." in intruder.get("/exports").get_data(as_text=True)
    # a member of another location cannot see north's export, nor the all-locations one
    south_desk = _enrolled_person_from_link(
        app,
        _invite_link(conn, account, "south@example.com", "viewer", location_id=south),
        "south@example.com",
    )
    for export_id in (everywhere, at_north):
        assert south_desk.get(f"/exports/{export_id}").status_code == 404
        assert south_desk.get(f"/exports/{export_id}/download").status_code == 404
    north_desk = _enrolled_person_from_link(
        app,
        _invite_link(conn, account, "north@example.com", "viewer", location_id=north),
        "north@example.com",
    )
    assert north_desk.get(f"/exports/{at_north}/download").status_code == 200
    assert north_desk.get(f"/exports/{everywhere}").status_code == 404


def test_cells_a_spreadsheet_would_run_are_neutralised_and_text_survives(app, conn):
    account, campaign = _setup(app, conn)
    nasty = ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "\tTAB", "\rCR"]
    load_rows(
        conn,
        campaign,
        [
            person(100 + i, customer_id=value, appointment_id=f"x{i}", location_id='Zürich, "Nord"')
            for i, value in enumerate(nasty)
        ],
    )
    owner, _, _ = _enrolled_person(app, conn, account, "owner@example.com")
    got = owner.post(
        f"/campaigns/{campaign}/exports",
        {**RANGE, "location": str(IDS.encode(_loc(conn, 'Zürich, "Nord"')))},
        refresh="/",
    )
    raw = got.get_data()
    text = raw.decode("utf-8")  # UTF-8
    found = _rows(text)
    # the loader trims whitespace, so a tab or CR first cannot arrive from a packet: the rest do
    assert {r["customer"] for r in found} == {
        "'" + v.strip() if v[0] in "=+-@" else v.strip() for v in nasty
    }
    assert {r["customer"] for r in found} >= {
        '\'=HYPERLINK("http://x")',
        "'+1+2",
        "'-3",
        "'@SUM(A1)",
    }
    # the writer guards tab and CR all the same
    fake = {
        "id": 1,
        "location": "\tx",
        "customer": "\rCR",
        "appointment": "=1",
        "step": 1,
        "channel": "sms",
        "status": "sent",
        "reason": "",
        "send_at": datetime.now(UTC),
        "sent_at": None,
        "delivered": False,
        "replied": False,
        "confirmed": False,
        "clicked": False,
        "survey_score": None,
    }
    (line,) = _rows("".join(report_exports.csv_lines(iter([fake]), lambda i: i)))
    assert (line["location"], line["customer"], line["appointment"]) == ("'\tx", "'\rCR", "'=1")
    assert {r["location"] for r in found} == {'Zürich, "Nord"'}  # quoted, round-trips
    assert '"Zürich, ""Nord"""' in text
    assert reports.csv_cell(-3) == -3 and reports.csv_cell("a=b") == "a=b"


@pytest.mark.parametrize("role", ["owner", "admin", "manager", "staff", "viewer"])
def test_every_role_may_read_and_export_reports(app, conn, role, monkeypatch):
    """The matrix: every role reads reports, so every role exports them (and is audited)."""
    account, campaign = _setup(app, conn)
    member, _, _ = _enrolled_person(app, conn, account, f"{role}@example.com", role)
    direct = member.post(f"/campaigns/{campaign}/exports", RANGE, refresh=f"/campaigns/{campaign}")
    rows = _rows(direct.get_data(as_text=True))
    assert direct.status_code == 200 and len(rows) == _total(conn, campaign)
    monkeypatch.setattr(report_exports, "STREAM_ROWS", 0)
    queued = _export_id(member.post(f"/campaigns/{campaign}/exports", RANGE, refresh="/"))
    assert member.get(f"/exports/{queued}").status_code == 200
    actions = [
        r[0]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'report%%' AND actor_role = %s ORDER BY id",
            [role],
        )
    ]
    assert actions == ["report.exported", "report_export.requested"]
    bad = member.post(
        f"/campaigns/{campaign}/exports", {"since": "2026-13-01", "until": ""}, refresh="/"
    )
    assert bad.status_code == 400 and "since: must be a date" in bad.get_data(as_text=True)
    backwards = member.post(
        f"/campaigns/{campaign}/exports",
        {"since": RANGE["until"], "until": RANGE["since"]},
        refresh="/",
    )
    assert backwards.status_code == 400 and "until: must be after since" in backwards.get_data(
        as_text=True
    )


def test_the_api_filters_a_report_and_its_series_by_location(app, conn):
    from tests.api_support import make_tenant as tenant_with_key

    account, campaign = _setup(app, conn)
    api = tenant_with_key(conn, app, "Chain key", ("read",), account_id=account)
    north, south = _loc(conn, "north"), _loc(conn, "south")
    base = f"/v1/campaigns/{IDS.encode(campaign)}/report"
    for location in (north, south):
        got = api.get(f"{base}?location_id={IDS.encode(location)}")
        assert got.status_code == 200, got.get_json()
        want = _independent(conn, campaign, location)
        assert {k: got.get_json()["funnel"][k] for k in want} == want
        since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        series = api.get(f"{base}/timeseries?location_id={IDS.encode(location)}&since={since}")
        assert sum(p["responses"] for p in series.get_json()["points"]) == want["responded"]
    figures = api.get(f"{base}?location_id={IDS.encode(north)}&format=csv").get_data(as_text=True)
    assert "campaign,location,north" in figures and "location.south" not in figures
    other = make_tenant(conn, app, "Other").account_id
    conn.execute("INSERT INTO locations (account_id, external_id) VALUES (%s, 'far')", [other])
    for location in (IDS.encode(_loc(conn, "far")), 2**52 + 1):
        assert api.get(f"{base}?location_id={location}").status_code == 404
        assert api.get(f"{base}/timeseries?location_id={location}").status_code == 404
