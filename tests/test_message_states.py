"""Facts of the message tables defined once in SQL. A pending message (message_pending,
db/procedures/015_message_states.sql) agrees with the queue index's partial predicate for every
status, the planner still matches that index through it, and no other SQL file spells it out;
the rollup slot (012_rollup_slot.sql) is likewise written once."""

from __future__ import annotations

import re

import psycopg

from app_service import resources

STATUSES = (
    "scheduled",
    "ready",
    "sent",
    "delivered",
    "failed",
    "retry",
    "dead",
    "suppressed",
    "cancelled",
)


def test_the_definition_agrees_with_the_queue_index(conn: psycopg.Connection) -> None:
    predicate = conn.execute(
        "SELECT pg_get_expr(indpred, indrelid) FROM pg_index"
        " WHERE indexrelid = 'messages_queue_idx'::regclass"
    ).fetchone()[0]
    in_index = set(re.findall(r"'(\w+)'::text", predicate))
    pending = {s for s in STATUSES if conn.execute("SELECT message_pending(%s)", [s]).fetchone()[0]}
    assert pending == in_index == {"scheduled", "ready", "retry"}


def test_the_planner_matches_the_partial_index_through_it(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN SELECT id FROM messages WHERE message_pending(status)"
                " AND status = 'ready' AND send_at <= now()"
            )
        )
    assert "messages_queue_idx" in plan, plan


def _spelled_out(pattern: str, home: str) -> list[str]:
    """The SQL files, other than the fact's home, that write `pattern` again."""
    literal = re.compile(pattern)
    sql_dir = resources.SQL_DIR
    return [
        path.name
        for path in [*sql_dir.joinpath("procedures").iterdir(), sql_dir / "queries.sql"]
        if path.name != home and literal.search(path.read_text())
    ]


def test_no_other_sql_spells_the_predicate_out() -> None:
    assert _spelled_out(r"IN \('scheduled', 'ready', 'retry'\)", "015_message_states.sql") == []


def test_the_rollup_slot_is_defined_once() -> None:
    """Rollup triggers take their slot from rollup_slot() (012_rollup_slot.sql), so the number
    of slots readers sum over cannot differ between two triggers."""
    assert _spelled_out(r"pg_backend_pid\(\)\s*%", "012_rollup_slot.sql") == []
