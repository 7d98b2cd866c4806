"""The evaluation harness of the customer scores (app_service/analytics.py): a history with
known true response probabilities, written straight into the tables, and the AUC that says how
well scores rank against it. Used by tests/test_analytics.py and bench/analytics_bench.py; not
part of the package."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg


def auc(scores: list[float], outcomes: list[bool]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half): the chance that a random
    responder is ranked above a random non-responder."""
    pairs = sorted(zip(scores, outcomes, strict=True))
    ranks: list[float] = [0.0] * len(pairs)
    i = 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(1 for _, o in pairs if o)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        raise ValueError("AUC needs both outcomes")
    rank_sum = sum(r for r, (_, o) in zip(ranks, pairs, strict=True) if o)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


@dataclass(frozen=True)
class SyntheticCustomer:
    customer_id: int
    true_p: float
    messages: int
    responses: int


def synthetic_history(
    conn: psycopg.Connection,
    account_id: int,
    campaign_id: int,
    customers: int,
    *,
    seed: int = 7,
    max_messages: int = 12,
    days: int = 365,
) -> list[SyntheticCustomer]:
    """Customers with a known true response probability now (Beta(1.2, 3) across customers,
    about 0.29 on average), each sent 1..max_messages messages of `campaign_id` over the last
    `days`. Behaviour changes: for half of them, messages older than 180 days were answered with
    another probability (drawn the same way), as when a family moves or a patient changes
    habits. Written straight into the tables (a generator, not a packet); returns the truth now,
    to evaluate against."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with conn.transaction():
        ids = [
            r[0]
            for r in conn.execute(
                "INSERT INTO customers (account_id, external_id) SELECT %s, 'syn-' || g FROM generate_series(1, %s) g RETURNING id",
                [account_id, customers],
            )
        ]
        conn.execute(
            "CREATE TEMP TABLE syn (customer_id bigint, seq bigint, sent_at timestamptz, responded boolean, "
            "answered_at timestamptz) ON COMMIT DROP"
        )
        truth = []
        seq = 0
        with conn.cursor().copy("COPY syn FROM STDIN") as copy:
            for cid in ids:
                p = rng.betavariate(1.2, 3.0)
                p_then = rng.betavariate(1.2, 3.0) if rng.random() < 0.5 else p
                n = rng.randint(1, max_messages)
                responded = 0
                for _ in range(n):
                    seq += 1
                    age = rng.uniform(1, days)
                    sent = now - timedelta(days=age)
                    hit = rng.random() < (p if age <= 180 else p_then)
                    responded += hit
                    copy.write_row(
                        (
                            cid,
                            seq,
                            sent,
                            hit,
                            sent + timedelta(hours=rng.choice((1, 2, 3))) if hit else None,
                        )
                    )
                truth.append(SyntheticCustomer(cid, p, n, responded))
        conn.execute(
            """
            WITH ins AS (
                INSERT INTO messages (account_id, campaign_id, packet_id, customer_id, appointment_id, step,
                                      channel, status, send_at, sent_at)
                SELECT %(account)s, %(campaign)s, 0, customer_id, -seq, 1, 'sms', 'sent', sent_at, sent_at
                FROM syn ORDER BY seq
                RETURNING id, appointment_id, customer_id)
            INSERT INTO message_events (account_id, campaign_id, message_id, customer_id, kind, data, occurred_at)
            SELECT %(account)s, %(campaign)s, ins.id, ins.customer_id, 'reply', '{"classified": "other"}', syn.answered_at
            FROM ins JOIN syn ON syn.seq = -ins.appointment_id WHERE syn.responded""",
            {"account": account_id, "campaign": campaign_id},
        )
    return truth
