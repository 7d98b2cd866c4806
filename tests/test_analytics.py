"""Customer scores rank better than chance and better than the raw response rate on a history
with known true probabilities; evidence, timing and isolation."""

from __future__ import annotations

import random

import pytest

from app_service import analytics
from tests.helpers import make_campaign


def test_auc_is_the_probability_a_responder_outranks_a_non_responder():
    assert analytics.auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert analytics.auc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert analytics.auc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    with pytest.raises(ValueError):
        analytics.auc([0.1], [True])


def test_scores_rank_better_than_chance_and_than_the_raw_rate(conn, account):
    survey = make_campaign(conn, account, kind="survey", offsets=(-48,))
    truth = analytics.synthetic_history(conn, account, survey, customers=3000, seed=11)
    assert analytics.refresh_scores(conn, account) == 3000
    scores = {r["customer_id"]: r for r in analytics.ranked(conn, account, "survey", limit=10_000)}
    # the outcome to predict: each customer's next message, answered with their true probability
    rng = random.Random(99)
    future = [rng.random() < c.true_p for c in truth]
    score_auc = analytics.auc([scores[c.customer_id]["p_respond"] for c in truth], future)
    raw_auc = analytics.auc([c.responses / c.messages for c in truth], future)
    true_auc = analytics.auc([c.true_p for c in truth], future)
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
    analytics.synthetic_history(conn, account, survey, customers=50, seed=3)
    analytics.refresh_scores(conn, account)
    assert analytics.ranked(conn, other.account_id, "survey") == []
    from app_service.queries import Q

    conn.execute(Q.api_enter_tenant, {"account_id": str(other.account_id)})
    assert conn.execute("SELECT count(*) FROM customer_scores").fetchone() == (0,)
    conn.execute(Q.api_leave_tenant)
    with pytest.raises(ValueError):
        analytics.ranked(conn, account, "newsletter")
