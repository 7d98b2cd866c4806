"""Maintenance procedures: archive, PII purge, statistics, where a campaign's data lives."""

from __future__ import annotations

from datetime import timedelta

from helpers import load_rows, make_campaign, make_due, person, statuses

from app_service import campaigns
from app_service import dispatch_queue as dq
from app_service.db import one
from app_service.queries import Q


def test_archive_moves_rows_out_and_keeps_the_counts(conn, account, campaign):
    other = make_campaign(conn, account)
    load_rows(conn, campaign, [person(i) for i in range(1, 4)])
    load_rows(conn, other, [person(i) for i in range(10, 12)])
    make_due(conn, campaign_id=campaign)
    dq.mark_ready(conn)
    sent = dq.claim(conn, "w", limit=2)
    dq.complete(conn, "w", [m.id for m in sent])
    before = campaigns.campaign_counts(conn, campaign)
    assert before == {"sent": 2, "ready": 4}

    assert campaigns.archive_campaign(conn, campaign) == 6
    assert statuses(conn, campaign_id=campaign) == {}
    assert conn.execute(
        "SELECT count(*) FROM messages_archive WHERE campaign_id = %s", [campaign]
    ).fetchone() == (6,)
    after = campaigns.campaign_counts(conn, campaign)
    assert after == {"sent": 2, "cancelled:campaign_archived": 4}
    assert statuses(conn, campaign_id=other) == {"scheduled": 4}  # other campaigns untouched
    assert conn.execute("SELECT * FROM check_rollups()").fetchall() == []
    relations = {r["role"]: r["relation"] for r in campaigns.campaign_relations(conn, campaign)}
    assert relations["messages"] == "messages_archive"
    assert campaigns.get_campaign(conn, campaign)["status"] == "archived"


def test_campaign_relations_name_relation_predicate_and_index(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    found = {r["role"]: r for r in campaigns.campaign_relations(conn, campaign)}
    assert set(found) == {"counts", "packets", "steps", "messages", "events"}
    assert found["messages"]["relation"] == "messages"
    assert found["messages"]["predicate"] == f"campaign_id = {campaign}"
    assert found["messages"]["index"] == "messages_once"
    assert all(r["estimated_rows"] is not None for r in found.values())


def test_purge_pii_erases_customers_past_retention_with_nothing_pending(conn, campaign):
    load_rows(conn, campaign, [person(1), person(2)])
    conn.execute("UPDATE messages SET status = 'sent', sent_at = now() WHERE customer_id = 1")
    conn.execute("UPDATE customers SET last_seen_at = now() - interval '400 days'")
    conn.execute("UPDATE packets SET received_at = now() - interval '400 days'")
    purged, deleted = one(conn, Q.purge_pii, {"retention": timedelta(days=365)})
    assert (purged, deleted) == (1, 2)  # customer 2 still has messages to send
    rows = conn.execute(
        "SELECT external_id, phone, email, first_name, pii_purged_at IS NOT NULL FROM customers ORDER BY id"
    )
    assert rows.fetchall() == [
        ("c1", None, None, None, True),
        ("c2", "+13125550002", "c2@example.com", "Name2", False),
    ]
    merge = conn.execute("SELECT merge_fields FROM appointments WHERE customer_id = 1").fetchone()[
        0
    ]
    assert merge == {}


def test_returning_customer_gets_details_back_after_purge(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    conn.execute("UPDATE messages SET status = 'sent', sent_at = now()")
    conn.execute("UPDATE customers SET last_seen_at = now() - interval '400 days'")
    one(conn, Q.purge_pii, {"retention": timedelta(days=365)})
    load_rows(conn, campaign, [person(1, appointment_id="a-new")])
    assert conn.execute("SELECT phone, pii_purged_at FROM customers").fetchone() == (
        "+13125550001",
        None,
    )


def test_analyze_hot_tables_runs(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    conn.execute(Q.analyze_hot_tables)
    (analyzed,) = conn.execute(
        "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'messages'"
    ).fetchone()
    assert analyzed


def test_purge_pii_empties_the_local_outbox_of_purged_customers(conn, db_url, campaign):
    """The local outbox (the development provider) keeps numbers, names and texts: a purge
    erases what it holds for the purged customers and nothing else."""
    from app_service import db
    from app_service.worker.channels.outbox import OutboxChannel
    from app_service.worker.runner import Worker, WorkerSettings

    load_rows(conn, campaign, [person(1), person(2)])
    make_due(conn, step=1)
    pool = db.open_pool(db_url, max_size=3)
    try:
        Worker(
            pool,
            {"sms": OutboxChannel(pool)},
            WorkerSettings(tick_seconds=0.05, idle_sleep_seconds=0.02, link_secret="s"),
            emit_metrics=None,
        ).run(until_idle=True)
    finally:
        pool.close()
    assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (2,)
    conn.execute(
        "UPDATE messages SET status = 'cancelled' WHERE customer_id = 1 AND status = 'scheduled'"
    )
    conn.execute("UPDATE customers SET last_seen_at = now() - interval '400 days' WHERE id = 1")
    (purged, _) = one(conn, Q.purge_pii, {"retention": timedelta(days=365)})
    assert purged == 1
    left = conn.execute(
        "SELECT m.customer_id FROM outbox o JOIN messages m ON m.id = o.message_id"
    ).fetchall()
    assert left == [(2,)]


def _texts_about(conn, customer: int) -> dict[str, int]:
    """How many free texts each place keeps about a customer (what erasure empties)."""
    counts = {
        "reply texts": "SELECT count(*) FROM message_events WHERE customer_id = %s"
        " AND (data ? 'text' OR data ? 'comment')",
        "survey comments": "SELECT count(*) FROM survey_responses WHERE customer_id = %s"
        " AND comment IS NOT NULL",
        "consent notes": "SELECT count(*) FROM consent_events WHERE customer_id = %s"
        " AND note IS NOT NULL",
        "inbox last reply": "SELECT count(*) FROM conversations WHERE customer_id = %s"
        " AND last_reply_text <> ''",
        "conversation notes": "SELECT count(*) FROM conversation_notes WHERE customer_id = %s",
        "answers": "SELECT count(*) FROM answers WHERE customer_id = %s AND body <> ''",
    }
    return {k: conn.execute(q, [customer]).fetchone()[0] for k, q in counts.items()}


def test_purge_pii_erases_every_text_about_the_customer_as_erasure_does(conn, account, campaign):
    """Retention forgets what erasure on request forgets (forget_customer_texts serves both):
    replies (which quote numbers and names), survey comments, consent and inbox notes,
    answers; the customer seen recently keeps theirs."""
    from app_service import consent, replies

    load_rows(conn, campaign, [person(1), person(2)])
    conn.execute("UPDATE messages SET status = 'sent', sent_at = now()")
    (user,) = conn.execute(
        "INSERT INTO users (email) VALUES ('desk@example.com') RETURNING id"
    ).fetchone()
    for customer in (1, 2):
        (message,) = conn.execute(
            "SELECT id FROM messages WHERE customer_id = %s LIMIT 1", [customer]
        ).fetchone()
        replies.handle_reply(conn, message, f"call me on 312 555 010{customer}, Ann")
        consent.record(conn, customer, "email", "opt_out", "console", "asked by phone, Ann")
        conn.execute(
            "INSERT INTO survey_responses (message_id, account_id, campaign_id, customer_id,"
            " score, comment, channel) VALUES (%s, %s, %s, %s, 9, 'Dr Smith was kind', 'web')",
            [message, account, campaign, customer],
        )
        conn.execute(
            "INSERT INTO conversation_notes (account_id, customer_id, user_id, body)"
            " VALUES (%s, %s, %s, 'her daughter Jane drives her')",
            [account, customer, user],
        )
        conn.execute(
            "INSERT INTO answers (account_id, customer_id, user_id, channel, body, form_token)"
            " VALUES (%s, %s, %s, 'sms', 'See you Tuesday, Ann', %s)",
            [account, customer, user, f"form-token-{customer:08d}"],
        )
    before = _texts_about(conn, 1)
    assert all(n > 0 for n in before.values()), before
    conn.execute("UPDATE customers SET last_seen_at = now() - interval '400 days' WHERE id = 1")

    purged, _ = one(conn, Q.purge_pii, {"retention": timedelta(days=365)})

    assert purged == 1
    assert _texts_about(conn, 1) == dict.fromkeys(before, 0)
    assert _texts_about(conn, 2) == before  # seen within the retention: untouched
    # the ledger stays: the replies and consent changes themselves, their kinds and times
    assert conn.execute(
        "SELECT count(*) FROM message_events WHERE customer_id = 1 AND kind = 'reply'"
    ).fetchone() == (1,)


def test_the_worker_applies_the_pii_retention_daily(conn, db_url, campaign, monkeypatch):
    """REMINDERLY_PII_RETENTION_DAYS reaches the worker's daily housekeeping; 0 keeps all. The
    worker connects as its own login, as in AWS; the API's login may not forget texts itself."""
    import psycopg
    import pytest
    from psycopg.conninfo import make_conninfo

    from app_service import db
    from app_service.worker.runner import Worker, WorkerSettings

    load_rows(conn, campaign, [person(1)])
    conn.execute("UPDATE messages SET status = 'sent', sent_at = now()")
    conn.execute("UPDATE customers SET last_seen_at = now() - interval '40 days'")
    with (
        psycopg.connect(make_conninfo(db_url, user="reminderly_api_login")) as api,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        api.execute("SELECT forget_customer_texts(ARRAY[1::bigint])")
    pool = db.open_pool(make_conninfo(db_url, user="reminderly_worker_login"), max_size=2)
    try:
        worker = Worker(pool, {}, WorkerSettings(link_secret="s"), emit_metrics=None)
        monkeypatch.setenv("REMINDERLY_PII_RETENTION_DAYS", "0")
        assert worker.purge_pii() == 0
        monkeypatch.setenv("REMINDERLY_PII_RETENTION_DAYS", "60")
        assert worker.purge_pii() == 0
        monkeypatch.setenv("REMINDERLY_PII_RETENTION_DAYS", "30")
        assert worker.purge_pii() == 1
    finally:
        pool.close()
    assert conn.execute("SELECT phone FROM customers").fetchone() == (None,)


def test_a_worker_runs_the_daily_pass_soon_after_it_starts(conn, db_url, campaign, monkeypatch):
    """Tasks replaced more often than daily (every deploy) still apply the retention: the
    first daily pass comes `daily_first_seconds` after the start, not a day later."""
    import threading
    import time

    from app_service import db
    from app_service.worker.runner import Worker, WorkerSettings

    load_rows(conn, campaign, [person(1)])
    conn.execute("UPDATE messages SET status = 'sent', sent_at = now()")
    conn.execute("UPDATE customers SET last_seen_at = now() - interval '400 days'")
    monkeypatch.setenv("REMINDERLY_PII_RETENTION_DAYS", "365")
    pool = db.open_pool(db_url, max_size=3)
    worker = Worker(
        pool,
        {},
        WorkerSettings(
            link_secret="s", tick_seconds=0.05, idle_sleep_seconds=0.05, daily_first_seconds=0.2
        ),
        emit_metrics=None,
    )
    running = threading.Thread(target=worker.run)
    running.start()
    try:
        deadline = time.monotonic() + 20
        while conn.execute("SELECT phone FROM customers").fetchone() != (None,):
            assert time.monotonic() < deadline, "the daily pass did not run"
            time.sleep(0.1)
    finally:
        worker.request_stop()
        running.join(timeout=30)
        pool.close()
