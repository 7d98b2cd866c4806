"""Campaign reports from the rollups: the funnel with what came back, rates, survey NPS/CSAT,
review conversion, activity over time; as JSON, CSV and in the CLI; rollups equal a recount."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from app_service import db, reports
from app_service import dispatch_queue as dq
from app_service.cli import main
from app_service.db import one
from app_service.queries import Q
from app_service.replies import handle_reply
from app_service.worker.channels.outbox import OutboxChannel
from app_service.worker.runner import Worker, WorkerSettings
from tests.api_support import make_tenant, pub
from tests.helpers import load_rows, make_campaign, make_due, person


def send_due(db_url: str) -> None:
    pool = db.open_pool(db_url, max_size=3)
    try:
        Worker(
            pool,
            {"sms": OutboxChannel(pool), "email": OutboxChannel(pool)},
            WorkerSettings(tick_seconds=0.05, idle_sleep_seconds=0.02, link_secret="s"),
            emit_metrics=None,
        ).run(until_idle=True)
    finally:
        pool.close()


def sent_ids(conn, campaign: int) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT id FROM messages WHERE campaign_id = %s AND sent_at IS NOT NULL ORDER BY id",
            [campaign],
        )
    ]


def test_a_reminder_campaigns_report_counts_what_came_back(conn, db_url, account):
    campaign = make_campaign(conn, account, offsets=(-48, -2))
    load_rows(conn, campaign, [person(i) for i in range(10)])
    make_due(conn, step=1)
    send_due(db_url)
    ids = sent_ids(conn, campaign)
    assert len(ids) == 10
    for i, mid in enumerate(ids[:6]):  # six delivered receipts
        one(
            conn,
            Q.record_delivery,
            {
                "source": "sms",
                "event_id": f"e{i}",
                "provider_id": f"outbox-{mid}",
                "outcome": "delivered",
                "detail": "{}",
            },
        )
    handle_reply(conn, ids[0], "YES")
    handle_reply(conn, ids[1], "Y")
    handle_reply(conn, ids[2], "STOP")
    handle_reply(conn, ids[3], "What time?")
    handle_reply(conn, ids[4], "HELP")
    report = reports.campaign_report(conn, campaign)
    f = report["funnel"]
    assert (f["planned"], f["sent"], f["delivered"]) == (20, 10, 6)
    # STOP and HELP are keywords, not responses: three customers responded
    assert (f["responded"], f["confirmed"], f["opted_out"]) == (3, 2, 1)
    assert f["suppressed_by_reason"] == {"confirmed": 2, "opted_out": 1}
    assert report["rates"] == {
        "delivery": 0.6,
        "response": 0.3,
        "confirmation": 0.2,
        "click": 0.0,
        "opt_out": 0.05,
    }
    assert "survey" not in report and "review" not in report
    # the rollups equal a recount of the events
    recount = dict(
        conn.execute(
            "SELECT kind, count(*) FROM message_events WHERE campaign_id = %s GROUP BY 1",
            [campaign],
        ).fetchall()
    )
    rolled = dict(
        conn.execute(
            "SELECT kind, sum(n) FROM campaign_event_counts WHERE campaign_id = %s GROUP BY 1",
            [campaign],
        ).fetchall()
    )
    assert recount == rolled
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    (point,) = reports.timeseries(
        conn, campaign, "day", now - timedelta(days=1), now + timedelta(days=1)
    )
    assert (point["sent"], point["delivered"], point["responses"]) == (10, 6, 3)
    hours = reports.timeseries(
        conn, campaign, "hour", now - timedelta(hours=2), now + timedelta(hours=1)
    )
    assert sum(p["sent"] for p in hours) == 10


def test_survey_results_nps_csat_and_distribution(conn, account):
    survey = make_campaign(conn, account, kind="survey", offsets=(-48,))
    load_rows(conn, survey, [person(i) for i in range(6)])
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM messages WHERE campaign_id = %s ORDER BY id", [survey]
        )
    ]
    for mid, score, comment in zip(
        ids, (10, 9, 8, 7, 3, 0), ("great", None, "ok", None, "late", None), strict=True
    ):
        one(
            conn,
            Q.record_survey_response,
            {"message_id": mid, "score": score, "comment": comment, "channel": "web"},
        )
    s = reports.campaign_report(conn, survey)["survey"]
    assert (s["responses"], s["promoters"], s["passives"], s["detractors"]) == (6, 2, 2, 2)
    assert (
        s["nps"] == 0.0
        and s["average_score"] == 6.17
        and s["csat_percent"] == 50.0
        and s["comments"] == 3
    )
    assert (
        s["distribution"]["10"] == 1
        and s["distribution"]["5"] == 0
        and len(s["distribution"]) == 11
    )


def test_review_requests_conversion(conn, db_url, account):
    review = make_campaign(conn, account, kind="review_request", offsets=(-48,))
    load_rows(conn, review, [person(i) for i in range(4)])
    make_due(conn)
    send_due(db_url)
    ids = sent_ids(conn, review)
    for mid in ids[:3]:
        one(conn, Q.record_click, {"message_id": mid, "target": "review_request"})
    one(
        conn, Q.record_click, {"message_id": ids[0], "target": "review_request"}
    )  # a second click counts once
    assert reports.campaign_report(conn, review)["review"] == {
        "sent": 4,
        "clicked": 3,
        "conversion": 0.75,
    }


def test_report_over_the_api_as_json_csv_and_timeseries(conn, app, db_url):
    tenant = make_tenant(conn, app, "Reports")
    campaign = make_campaign(conn, tenant.account_id, kind="survey", offsets=(-48,))
    load_rows(conn, campaign, [person(1), person(2)])
    make_due(conn)
    send_due(db_url)
    (first, _) = sent_ids(conn, campaign)
    dq.mark_ready(conn)
    handle_reply(conn, first, "9")
    campaign = pub(campaign)  # the API's id for it
    body = tenant.get(f"/v1/campaigns/{campaign}/report").json
    assert (
        body["survey"]["responses"] == 1
        and body["survey"]["nps"] == 100.0
        and body["funnel"]["responded"] == 1  # one SMS answer: one response (its reply)
    )
    got = tenant.get(f"/v1/campaigns/{campaign}/report?format=csv")
    assert got.mimetype == "text/csv" and "attachment" in got.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True))))
    assert rows[0] == ["section", "metric", "value"] and ["survey", "nps", "100.0"] in rows
    series = tenant.get(f"/v1/campaigns/{campaign}/report/timeseries?bucket=hour").json
    assert series["bucket"] == "hour" and sum(p["sent"] for p in series["points"]) == 2
    backwards = tenant.get(
        f"/v1/campaigns/{campaign}/report/timeseries?since=2026-01-01T00:00:00Z&until=2025-01-01T00:00:00Z"
    )  # a range that ends before it starts: empty, not an error (no schema can relate them)
    assert backwards.status_code == 200 and backwards.json["points"] == []
    long = tenant.get(
        f"/v1/campaigns/{campaign}/report/timeseries?since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z"
    ).json  # over 92 days: the last 92
    assert (long["since"], long["until"]) == ("2025-10-01T00:00:00Z", "2026-01-01T00:00:00Z")
    assert tenant.get(f"/v1/campaigns/{campaign}/report/timeseries?bucket=week").status_code == 400
    assert tenant.get("/v1/campaigns/99999/report/timeseries").status_code == 404


def test_the_report_command(conn, db_url, account, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    campaign = make_campaign(conn, account, offsets=(-48,))
    load_rows(conn, campaign, [person(1)])
    runner = CliRunner()
    text = runner.invoke(main, ["report", str(campaign)]).output
    assert "planned" in text and "delivery -" in text
    assert (
        json.loads(runner.invoke(main, ["report", str(campaign), "--json"]).output)["funnel"][
            "planned"
        ]
        == 1
    )
    assert runner.invoke(main, ["report", str(campaign), "--csv"]).output.startswith(
        "section,metric,value"
    )
    missing = runner.invoke(main, ["report", "999"])
    assert missing.exit_code == 1 and missing.output.strip() == "error: campaign 999 does not exist"


def test_a_breakdown_per_location_from_its_rollup(conn, db_url, account):
    campaign = make_campaign(conn, account, offsets=(-48, -2))
    rows = [
        person(1, location_id="main"),
        person(2, location_id="main"),
        person(3, location_id="north"),
        person(4),
    ]
    load_rows(conn, campaign, rows)
    make_due(conn, step=1)
    send_due(db_url)
    found = {loc["location"]: loc for loc in reports.campaign_report(conn, campaign)["locations"]}
    assert set(found) == {"main", "north", "(none)"}
    assert (found["main"]["planned"], found["main"]["sent"], found["main"]["pending"]) == (4, 2, 2)
    assert (found["north"]["planned"], found["(none)"]["planned"]) == (2, 2)
    # a later packet moves customer 3's appointment (a day later, at main): its pending message
    # moves with it; the one already sent stays where it was sent from
    load_rows(conn, campaign, [person(3, hours=96, location_id="main")])
    moved = {loc["location"]: loc for loc in reports.campaign_report(conn, campaign)["locations"]}
    assert moved["main"]["planned"] == 5 and moved["north"]["planned"] == 1
    recount = dict(
        conn.execute(
            "SELECT coalesce(l.external_id, '(none)'), count(*) FROM messages m LEFT JOIN locations l ON l.id = m.location_id "
            "WHERE m.campaign_id = %s GROUP BY 1",
            [campaign],
        ).fetchall()
    )
    assert recount == {k: v["planned"] for k, v in moved.items() if v["planned"]}


def test_days_are_the_accounts_local_days(conn, db_url):
    from datetime import UTC, datetime, timedelta

    from app_service import campaigns

    account = campaigns.create_account(
        conn, "Tokyo Clinic", default_country="JP", timezone="Asia/Tokyo"
    )
    campaign = make_campaign(conn, account, offsets=(-48,))
    conn.execute(
        "INSERT INTO campaign_location_hourly_counts (campaign_id, location_id, hour, metric,"
        " slot, n) VALUES (%(c)s, 0, '2026-11-27 14:00+00', 'sent', 0, 2),"
        " (%(c)s, 0, '2026-11-27 16:00+00', 'sent', 0, 3)",
        {"c": campaign},
    )
    days = reports.timeseries(
        conn,
        campaign,
        "day",
        datetime(2026, 11, 26, tzinfo=UTC),
        datetime(2026, 11, 29, tzinfo=UTC),
    )
    # 14:00 UTC is 23:00 on the 27th in Tokyo; 16:00 UTC is 01:00 on the 28th
    assert [(d["bucket"].astimezone(UTC), d["sent"]) for d in days] == [
        (datetime(2026, 11, 26, 15, tzinfo=UTC), 2),
        (datetime(2026, 11, 27, 15, tzinfo=UTC), 3),
    ]
    assert (
        timedelta(hours=9)
        == days[0]["bucket"].astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo")).utcoffset()
    )


def test_keywords_are_not_responses_in_customer_scores(conn, db_url, account):
    from app_service import analytics

    campaign = make_campaign(conn, account, offsets=(-48,))
    load_rows(conn, campaign, [person(i) for i in range(3)])
    make_due(conn)
    send_due(db_url)
    ids = sent_ids(conn, campaign)
    handle_reply(conn, ids[0], "STOP")
    handle_reply(conn, ids[1], "HELP")
    handle_reply(conn, ids[2], "See you then")
    analytics.refresh_scores(conn, account)
    responses = dict(
        conn.execute(
            "SELECT c.external_id, s.responses FROM customer_scores s "
            "JOIN customers c ON c.id = s.customer_id"
        ).fetchall()
    )
    assert responses == {"c0": 0, "c1": 0, "c2": 1}
