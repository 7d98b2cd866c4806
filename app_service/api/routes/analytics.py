"""Customers ranked by their scores (app_service/analytics.py)."""

from __future__ import annotations

from flask import jsonify, request

from app_service import analytics
from app_service.api import shapes
from app_service.api.routes import account_id, conn
from app_service.api.routing import operation


@operation("rankCustomers")
def rank_customers():
    kind = request.args["kind"]
    found = analytics.ranked(conn(), account_id(), kind, int(request.args.get("limit", 50)))
    return jsonify(
        kind=kind,
        data=[
            {
                "customer_id": r["customer_id"],
                "external_id": r["external_id"],
                "kind": r["kind"],
                "p_respond": round(r["p_respond"], 4),
                "p_positive": round(r["p_positive"], 4),
                "evidence": {
                    "messages": r["messages"],
                    "responses": r["responses"],
                    "positives": r["positives"],
                    "weight": round(r["weight"], 3),
                    "last_sent_at": shapes.ts(r["last_sent_at"]),
                    "last_response_at": shapes.ts(r["last_response_at"]),
                },
                "best_hour": r["best_hour"],
                "best_weekday": r["best_weekday"],
                "scored_at": shapes.ts(r["scored_at"]),
            }
            for r in found
        ],
    )
