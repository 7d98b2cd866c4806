"""The analytics benchmark: time to score an account with about 1,000,000 interactions (sent
messages and their replies) in one set-based pass, and how well the scores rank on a history
with known true probabilities (AUC against the raw response rate and against the truth).

    python bench/analytics_bench.py             # 100,000 customers, about 1,000,000 messages
    python bench/analytics_bench.py --quick     # 10,000 customers
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flow_bench import database, log  # noqa: E402

from app_service import analytics, campaigns, migrate  # noqa: E402
from app_service.models import CampaignSpec, Step  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    customers = 10_000 if args.quick else 100_000
    url = database()
    migrate.migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        account = campaigns.create_account(conn, "Analytics bench", timezone="America/Chicago")
        survey = campaigns.create_campaign(conn, CampaignSpec(
            account, "survey", "survey", "sms", [Step("after", timedelta(hours=2), "How was it?")]))  # fmt: skip
        log(f"generating the history of {customers:,} customers")
        truth = analytics.synthetic_history(
            conn, account, survey, customers, seed=2026, max_messages=19
        )
        messages = sum(c.messages for c in truth)
        conn.execute("VACUUM ANALYZE messages, message_events, customers")
        log(f"scoring {messages:,} messages ({sum(c.responses for c in truth):,} replies)")
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            scored = analytics.refresh_scores(conn, account)
            timings.append(time.perf_counter() - start)
        scores = {
            r["customer_id"]: r["p_respond"]
            for r in analytics.ranked(conn, account, "survey", limit=10**7)
        }
    rng = random.Random(99)
    future = [rng.random() < c.true_p for c in truth]
    result = {
        "customers": customers, "messages": messages, "scored": scored,
        "seconds": [round(t, 2) for t in timings], "interactions_per_second": round(messages / min(timings)),
        "auc_score": round(analytics.auc([scores[c.customer_id] for c in truth], future), 4),
        "auc_raw_rate": round(analytics.auc([c.responses / c.messages for c in truth], future), 4),
        "auc_truth": round(analytics.auc([c.true_p for c in truth], future), 4),
    }  # fmt: skip
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
