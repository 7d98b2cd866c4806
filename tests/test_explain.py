"""The hot queries use an index and never scan a whole table.

A database with 400 campaigns (about 22,000 messages) is built once and analysed; each hot
query is EXPLAINed as it runs: named queries from db/queries.sql with their parameters, and
SQL functions by their body as stored in the database, parameters bound as literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from helpers import load_rows, make_campaign, make_due, person
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from app_service import campaigns
from app_service import dispatch_queue as dq
from app_service.queries import Q

BIG_TABLES = {
    "messages",
    "packets",
    "packet_rows",
    "customers",
    "appointments",
    "campaign_message_counts",
    "packet_message_counts",
    "campaigns",
}


@pytest.fixture(scope="module")
def big(server_url: str, template_url: str) -> Iterator[tuple[psycopg.Connection, dict]]:
    name = "explain_big"
    template = conninfo_to_dict(template_url)["dbname"]
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    conn = psycopg.connect(make_conninfo(server_url, dbname=name), autocommit=True)
    account = campaigns.create_account(conn, "Big", timezone="America/Chicago")
    ids = {}
    for c in range(400):
        campaign = make_campaign(conn, account)
        result = load_rows(conn, campaign, [person(c * 100 + i) for i in range(25)])
        ids.setdefault("campaign", campaign)
        ids.setdefault("packet", result.packet_id)
    make_due(conn, campaign_id=ids["campaign"])
    dq.mark_ready(conn)
    conn.execute("CALL analyze_hot_tables()")
    conn.execute("ANALYZE")
    ids["customer"] = conn.execute("SELECT id FROM customers ORDER BY id LIMIT 1").fetchone()[0]
    yield conn, ids
    conn.close()


def plan_nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def explain(
    conn: psycopg.Connection, query: str | sql.Composed, params: dict | None = None
) -> list[dict]:
    stmt = sql.SQL("EXPLAIN (FORMAT JSON) ") + (sql.SQL(query) if isinstance(query, str) else query)
    (doc,) = conn.execute(stmt, params).fetchone()
    return list(plan_nodes(doc[0]["Plan"]))


def function_body(
    conn: psycopg.Connection, name: str, args: dict, local_values: dict[str, str] | None = None
) -> sql.Composed:
    """The stored body of function `name` (for plpgsql, its RETURN QUERY statement), its
    parameters replaced by literal `args` and its local variables by `local_values` (SQL)."""
    body, names, language = conn.execute(
        "SELECT p.prosrc, p.proargnames, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
        "WHERE p.proname = %s",
        [name],
    ).fetchone()
    if language == "plpgsql":
        body = body.split("RETURN QUERY", 1)[1].split(";", 1)[0]
    local_values = local_values or {}
    names = [*(names or []), *local_values]
    if not names:
        return sql.Composed([sql.SQL(body)])
    parts = re.split(r"\b(" + "|".join(map(re.escape, names)) + r")\b", body)
    pieces = [sql.Literal(args[p]) if p in args else sql.SQL(local_values.get(p, p)) for p in parts]
    return sql.Composed(pieces)


def assert_indexed(nodes: list[dict]) -> None:
    touched = [
        (n["Node Type"], n.get("Relation Name"), n.get("Index Name"))
        for n in nodes
        if n.get("Relation Name")
    ]
    assert touched, "the plan reads no table"
    scans = [t for t in touched if t[0] == "Seq Scan" and t[1] in BIG_TABLES]
    assert not scans, touched


def test_claim_uses_the_queue_index(big):
    conn, _ = big
    nodes = explain(
        conn,
        function_body(
            conn,
            "claim_batch",
            {"p_worker": "w", "p_limit": 100, "p_lease": "60s"},
            {"paused": "ARRAY[]::text[]"},
        ),  # no sending pause: the usual case
    )
    assert_indexed(nodes)
    assert "messages_queue_idx" in {n.get("Index Name") for n in nodes}


def test_campaign_report_reads_the_rollup_by_key(big):
    conn, ids = big
    nodes = explain(conn, function_body(conn, "campaign_counts", {"p_campaign": ids["campaign"]}))
    assert_indexed(nodes)
    assert {n.get("Relation Name") for n in nodes if n.get("Relation Name")} == {
        "campaign_message_counts"
    }


def test_packet_status_queries_use_indexes(big):
    conn, ids = big
    params = {"packet_id": ids["packet"], "after": 0, "limit": 100}
    for query in (Q.get_packet, Q.row_errors, Q.packet_rejections_by_reason, Q.messages_of_packet):
        assert_indexed(explain(conn, query, params))
    assert_indexed(explain(conn, function_body(conn, "packet_counts", {"p_packet": ids["packet"]})))


def test_customer_messages_use_the_customer_index(big):
    conn, ids = big
    nodes = explain(
        conn, Q.messages_by_customer, {"customer_id": ids["customer"], "after": 0, "limit": 50}
    )
    assert_indexed(nodes)
    assert "messages_customer_idx" in {n.get("Index Name") for n in nodes}


def test_lease_reclaim_and_completion_use_indexes(big):
    conn, _ = big
    assert_indexed(explain(conn, function_body(conn, "reclaim_expired_leases", {})))
    body = function_body(
        conn,
        "complete_messages",
        {"p_worker": "w", "p_ids": [1, 2, 3], "p_provider_ids": None, "p_segments": None},
    )
    assert_indexed(explain(conn, body))


def test_report_rollups_are_read_by_key(big):
    conn, ids = big
    from datetime import UTC, datetime, timedelta

    # rollups of 20,000 other campaigns (what a big deployment holds), then fresh statistics
    conn.execute("""
        INSERT INTO campaign_event_counts (campaign_id, kind, slot, n)
        SELECT 1000000 + c, k, 0, 1 FROM generate_series(1, 20000) c, unnest(ARRAY['reply', 'delivered']) k;
        INSERT INTO campaign_location_hourly_counts (campaign_id, location_id, hour, metric, slot, n)
        SELECT 1000000 + c, c % 3, date_trunc('hour', now()) - h * interval '1 hour', 'sent', 0, 1
        FROM generate_series(1, 20000) c, generate_series(0, 5) h;
        INSERT INTO survey_score_counts (campaign_id, score, slot, n, comments)
        SELECT 1000000 + c, s, 0, 1, 0 FROM generate_series(1, 20000) c, generate_series(0, 10) s;
        ANALYZE campaign_event_counts, campaign_location_hourly_counts, survey_score_counts""")
    now = datetime.now(UTC)
    for query, params in (
        (Q.campaign_event_counts, {"campaign_id": ids["campaign"]}),
        (Q.survey_score_counts, {"campaign_id": ids["campaign"]}),
        (
            Q.campaign_timeseries,
            {
                "campaign_id": ids["campaign"],
                "bucket": "day",
                "since": now - timedelta(days=7),
                "until": now,
            },
        ),
    ):
        nodes = explain(conn, query, params)
        touched = [
            (n["Node Type"], n.get("Relation Name")) for n in nodes if n.get("Relation Name")
        ]
        # the rollups are read by key; a tiny lookup table (accounts) may be scanned
        rollups = [(kind, rel) for kind, rel in touched if rel.endswith("_counts")]
        assert rollups and all(kind != "Seq Scan" for kind, _ in rollups), touched


def test_the_inbox_answers_paths_use_indexes(big):
    """Answers (campaign 0, 0024_inbox_answers.sql) on the worker's paths: mark_ready finds
    the due ones by their own small index (never walking the campaigns' backlog), and a
    failure or a send's details look the campaign up by key."""
    conn, _ = big
    body = conn.execute("SELECT prosrc FROM pg_proc WHERE proname = 'mark_ready'").fetchone()[0]
    due = re.search(r"\(\s*(SELECT q\.id FROM messages q.*?SKIP LOCKED)\s*\)", body, re.S)
    nodes = explain(conn, due.group(1).replace("p_limit", "10000"))
    assert_indexed(nodes)
    assert "messages_answers_due_idx" in {n.get("Index Name") for n in nodes}
    arrays = {
        "p_ids": "ARRAY[1, 2]::bigint[]",
        "p_errors": "ARRAY['x', 'y']",
        "p_permanent": "ARRAY[false, false]",
    }
    assert_indexed(explain(conn, function_body(conn, "fail_messages", {"p_worker": "w"}, arrays)))
    # a send's details: the hot tables by key, as before answers existed (the few campaigns
    # and accounts may be hashed; answers, empty here, joins by its primary key)
    nodes = explain(conn, Q.message_for_send, {"ids": [1, 2, 3]})
    hot = {"messages", "customers", "appointments", "campaign_steps"}
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan" and n["Relation Name"] in hot]
