"""Customer analytics: who is likely to respond, and to respond positively, per campaign kind
(db/procedures/140_analytics.sql computes the scores in one set-based pass). The synthetic
history that evaluates them against known true probabilities is a harness: tools/analytics_eval.py.

Compliance: the scores may order who is asked first, never who is asked. Review sites (Google
among them) forbid review gating, so a review request is never restricted to predicted
promoters; nothing in reminderly filters recipients by a score."""

from __future__ import annotations

import psycopg

from app_service.db import one, rows
from app_service.queries import Q

KINDS = ("reminder", "survey", "review_request")


def refresh_scores(conn: psycopg.Connection, account_id: int, half_life_days: float = 90.0) -> int:
    """Recompute the account's scores; returns how many (customer, kind) pairs were scored."""
    return int(
        one(
            conn,
            Q.refresh_customer_scores,
            {"account_id": account_id, "half_life_days": half_life_days},
        )[0]
    )


def ranked(conn: psycopg.Connection, account_id: int, kind: str, limit: int = 50) -> list[dict]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    return rows(conn, Q.ranked_customers, {"account_id": account_id, "kind": kind, "limit": limit})


def account_ids(conn: psycopg.Connection) -> list[int]:
    """Every account's id, in order (scores are refreshed account by account)."""
    return [r["id"] for r in rows(conn, Q.account_ids)]


def refresh_all_if_due(conn: psycopg.Connection, period_seconds: float) -> int:
    """Recompute every account's scores, unless another process holds the refresh (a
    transaction-scoped lock: call inside a transaction) or did it within the period; how many
    accounts were scored."""
    if not one(conn, Q.try_analytics_lock)[0]:
        return 0
    (fresh,) = one(conn, Q.scores_fresh, {"seconds": period_seconds})
    if fresh:
        return 0
    accounts = account_ids(conn)
    for account in accounts:
        refresh_scores(conn, account)
    return len(accounts)
