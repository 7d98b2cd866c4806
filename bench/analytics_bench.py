"""The analytics and report benchmark, on one survey campaign of about 1,000,000 sent messages
(and their replies): the time to score the account's customers in one set-based pass, how well
the scores rank on a history with known true probabilities (AUC against the raw response rate
and against the truth), and the latency of the campaign's report and its time series (p50/p95
of 200 calls each), which read rollups only.

    python bench/analytics_bench.py             # 100,000 customers, about 1,000,000 messages
    python bench/analytics_bench.py --quick     # 10,000 customers
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flow_bench import database, log  # noqa: E402

from app_service import analytics, campaigns, migrate, reports  # noqa: E402
from app_service.models import CampaignSpec, Step  # noqa: E402
from tools.analytics_eval import auc, synthetic_history  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    customers = 10_000 if args.quick else 100_000
    url = database()
    migrate.migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        account = campaigns.create_account(conn, "Analytics bench", timezone="America/Chicago")
        survey = campaigns.create_campaign(
            conn,
            CampaignSpec(
                account,
                "survey",
                "survey",
                "sms",
                [Step("after", timedelta(hours=2), "How was it?")],
            ),
        )
        log(f"generating the history of {customers:,} customers")
        truth = synthetic_history(conn, account, survey, customers, seed=2026, max_messages=19)
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
        log("report latency")
        latency = {}
        until = datetime.now(UTC)
        for name, call in (
            ("campaign_report", lambda: reports.campaign_report(conn, survey)),
            (
                "timeseries_day_90d",
                lambda: reports.timeseries(conn, survey, "day", until - timedelta(days=90), until),
            ),
        ):
            samples = []
            for _ in range(200):
                start = time.perf_counter()
                call()
                samples.append((time.perf_counter() - start) * 1000)
            samples.sort()
            latency[name] = {"p50_ms": round(samples[100], 2), "p95_ms": round(samples[190], 2)}
    rng = random.Random(99)
    future = [rng.random() < c.true_p for c in truth]
    result = {
        "customers": customers,
        "messages": messages,
        "scored": scored,
        "seconds": [round(t, 2) for t in timings],
        "interactions_per_second": round(messages / min(timings)),
        "auc_score": round(auc([scores[c.customer_id] for c in truth], future), 4),
        "auc_raw_rate": round(auc([c.responses / c.messages for c in truth], future), 4),
        "auc_truth": round(auc([c.true_p for c in truth], future), 4),
        "report_latency": latency,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
