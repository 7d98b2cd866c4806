"""Customer scores rank better than chance and better than the raw response rate on a history
with known true probabilities; evidence, timing and isolation."""

from __future__ import annotations

import random

import pytest

from app_service import analytics
from tests.helpers import make_campaign
from tools.analytics_eval import auc, synthetic_history


def test_auc_is_the_probability_a_responder_outranks_a_non_responder():
    assert auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert auc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    with pytest.raises(ValueError):
        auc([0.1], [True])


def test_scores_rank_better_than_chance_and_than_the_raw_rate(conn, account):
    survey = make_campaign(conn, account, kind="survey", offsets=(-48,))
    truth = synthetic_history(conn, account, survey, customers=3000, seed=11)
    assert analytics.refresh_scores(conn, account) == 3000
    scores = {r["customer_id"]: r for r in analytics.ranked(conn, account, "survey", limit=10_000)}
    # the outcome to predict: each customer's next message, answered with their true probability
    rng = random.Random(99)
    future = [rng.random() < c.true_p for c in truth]
    score_auc = auc([scores[c.customer_id]["p_respond"] for c in truth], future)
    raw_auc = auc([c.responses / c.messages for c in truth], future)
    true_auc = auc([c.true_p for c in truth], future)
    assert score_auc > 0.6, score_auc
    assert score_auc > raw_auc + 0.005, (score_auc, raw_auc)
    assert score_auc <= true_auc + 0.01  # nothing beats knowing the truth
    # shrinkage: one reply to one message does not rank first
    top = analytics.ranked(conn, account, "survey", limit=30)
    assert all(r["messages"] >= 3 for r in top)
    lucky = [c for c in truth if c.messages == 1 and c.responses == 1]
    assert lucky and all(scores[c.customer_id]["p_respond"] < 0.8 for c in lucky)
    # timing: answers came 1-3 hours after sends; the best hour and weekday are filled
    assert all(0 <= r["best_hour"] <= 23 and 1 <= r["best_weekday"] <= 7 for r in top)


def test_scores_are_per_account_and_behind_row_level_security(conn, app, account):
    from tests.api_support import make_tenant

    other = make_tenant(conn, app, "Other")
    survey = make_campaign(conn, account, kind="survey", offsets=(-48,))
    synthetic_history(conn, account, survey, customers=50, seed=3)
    analytics.refresh_scores(conn, account)
    assert analytics.ranked(conn, other.account_id, "survey") == []
    from app_service.queries import Q

    conn.execute(Q.api_enter_tenant, {"account_id": str(other.account_id)})
    assert conn.execute("SELECT count(*) FROM customer_scores").fetchone() == (0,)
    conn.execute(Q.api_leave_tenant)
    with pytest.raises(ValueError):
        analytics.ranked(conn, account, "newsletter")


def test_ranked_customers_over_the_api_and_the_cli(conn, app, db_url, monkeypatch):
    from click.testing import CliRunner

    from app_service.cli import main
    from tests.api_support import make_tenant

    tenant = make_tenant(conn, app, "Ranked")
    survey = make_campaign(conn, tenant.account_id, kind="survey", offsets=(-48,))
    synthetic_history(conn, tenant.account_id, survey, customers=200, seed=5)
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()
    assert (
        f"account {tenant.account_id}: 200 customer scores"
        in runner.invoke(main, ["analytics", "refresh"]).output
    )
    body = tenant.get("/v1/analytics/customers?kind=survey&limit=5").json
    assert body["kind"] == "survey" and len(body["data"]) == 5
    ranks = [c["p_respond"] for c in body["data"]]
    assert ranks == sorted(ranks, reverse=True)
    first = body["data"][0]
    assert first["evidence"]["messages"] >= first["evidence"]["responses"] >= 1
    assert tenant.get("/v1/analytics/customers?kind=reminder").json["data"] == []
    assert tenant.get("/v1/analytics/customers").status_code == 400  # kind is required
    top = runner.invoke(
        main,
        [
            "analytics",
            "top",
            "--account",
            str(tenant.account_id),
            "--kind",
            "survey",
            "--limit",
            "3",
        ],
    )
    assert top.exit_code == 0 and top.output.count("respond ") == 3


def test_workers_refresh_scores_once_per_period(conn, db_url, account):
    from app_service import db
    from app_service.worker.channels.outbox import OutboxChannel
    from app_service.worker.runner import Worker, WorkerSettings

    survey = make_campaign(conn, account, kind="survey", offsets=(-48,))
    synthetic_history(conn, account, survey, customers=20, seed=1)
    pool = db.open_pool(db_url, max_size=3)
    try:
        worker = Worker(
            pool, {"sms": OutboxChannel(pool)}, WorkerSettings(link_secret="s"), emit_metrics=None
        )
        assert worker.refresh_scores() == 1
        assert worker.refresh_scores() == 0  # fresh: another worker need not redo it
    finally:
        pool.close()
    assert conn.execute("SELECT count(*) FROM customer_scores").fetchone() == (20,)


def test_a_campaign_can_target_its_top_customers_but_never_gate_reviews(conn, app):
    from tests.api_support import CAMPAIGN, make_tenant, row
    from tests.helpers import csv_bytes, person

    tenant = make_tenant(conn, app, "Audience")
    history = make_campaign(conn, tenant.account_id, kind="survey", offsets=(-48,))
    truth = synthetic_history(conn, tenant.account_id, history, customers=100, seed=8)
    analytics.refresh_scores(conn, tenant.account_id)
    top = {r["external_id"] for r in analytics.ranked(conn, tenant.account_id, "survey", limit=10)}
    survey = {
        **CAMPAIGN,
        "kind": "survey",
        "audience_top_n": 10,
        "steps": [{"name": "after", "offset_minutes": -60, "template": "How was it?"}],
    }
    made = tenant.post("/v1/campaigns", json=survey)
    assert made.status_code == 201 and (made.json["audience_top_n"], made.json["audience_by"]) == (
        10,
        "respond",
    )
    tenant.post(f"/v1/campaigns/{made.json['id']}/activate")
    rows = [person(i, customer_id=f"syn-{i}") for i in range(1, 41)]
    packet = tenant.post(
        f"/v1/campaigns/{made.json['id']}/packets",
        data=csv_bytes(rows),
        headers={"Content-Type": "text/csv"},
    ).json
    assert packet["messages"]["suppressed:not_in_audience"] == 40 - len(
        top & {r["customer_id"] for r in rows}
    )
    scheduled = {
        r[0]
        for r in conn.execute(
            "SELECT c.external_id FROM messages m JOIN customers c ON c.id = m.customer_id "
            "WHERE m.campaign_id = %s AND m.status = 'scheduled'",
            [row(made.json["id"])],
        )
    }
    assert scheduled and scheduled <= top
    assert len(truth) == 100
    gated = {
        **CAMPAIGN,
        "kind": "review_request",
        "audience_top_n": 50,
        "audience_by": "positive",
        "steps": [
            {"name": "next day", "offset_minutes": 1440, "template": "Review us: {{ review_url }}"}
        ],
    }
    refused = tenant.post("/v1/campaigns", json=gated)
    assert refused.status_code == 400 and refused.json["errors"][0]["pointer"] == "/audience_by"
    assert "review gating" in refused.json["detail"]
    import psycopg

    with pytest.raises(psycopg.errors.CheckViolation):  # the database refuses it too
        conn.execute(
            "UPDATE campaigns SET kind = 'review_request', audience_top_n = 5, audience_by = 'positive' "
            "WHERE id = %s",
            [row(made.json["id"])],
        )
