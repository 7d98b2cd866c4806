"""Library-to-database: the dispatch queue (ready, claim, complete, fail, leases)."""

from __future__ import annotations

import time
from datetime import timedelta

import psycopg
import pytest
from helpers import load_rows, make_campaign, make_due, person, statuses

from app_service import campaigns, consent, packet_state
from app_service import dispatch_queue as dq


def test_mark_ready_moves_only_due_messages_of_active_campaigns(conn, account, campaign):
    draft = make_campaign(conn, account, activate=False)
    load_rows(conn, campaign, [person(1)])
    load_rows(conn, draft, [person(2)])
    assert dq.mark_ready(conn) == 0  # nothing due yet
    make_due(conn)
    assert dq.mark_ready(conn) == 2  # the draft campaign's messages wait
    assert statuses(conn, campaign_id=campaign) == {"ready": 2}
    assert statuses(conn, campaign_id=draft) == {"scheduled": 2}


def test_mark_ready_suppresses_reminders_whose_appointment_passed(conn, campaign):
    load_rows(conn, campaign, [person(1, hours=1)])
    conn.execute("UPDATE appointments SET starts_at = now() - interval '1 minute'")
    make_due(conn)
    dq.mark_ready(conn)
    assert statuses(conn) == {"suppressed:appointment_passed": 2}


def test_claim_leases_and_counts_attempts_then_complete(conn, campaign):
    load_rows(conn, campaign, [person(i) for i in range(1, 4)])
    make_due(conn)
    dq.mark_ready(conn)
    claimed = dq.claim(conn, "w1", limit=4)
    assert len(claimed) == 4 and {m.attempts for m in claimed} == {1}
    assert statuses(conn) == {"claimed": 4, "ready": 2}
    done = dq.complete(conn, "w1", [m.id for m in claimed], [f"prov-{m.id}" for m in claimed])
    assert done == {m.id for m in claimed}
    assert statuses(conn) == {"sent": 4, "ready": 2}
    assert conn.execute(
        "SELECT count(*) FROM messages WHERE provider_message_id LIKE 'prov-%'"
    ).fetchone() == (4,)


def test_a_claim_is_a_hot_update_that_moves_no_counter(conn, campaign):
    """Claiming sets only the lease columns, which no index covers: no index writes, and no
    rollup counter moves. (HOT needs room on the page for the new versions: claims come in
    batches, each committed, as workers take them, after a vacuum, as autovacuum keeps; one
    transaction claiming every row of a full page could not fit them all, whatever the
    columns.)"""
    load_rows(conn, campaign, [person(i) for i in range(1, 51)])
    make_due(conn)
    dq.mark_ready(conn)
    conn.execute("VACUUM messages")
    before = campaigns.campaign_counts(conn, campaign)

    def hot_updates() -> int:  # the table's counter, with this session's counts flushed
        conn.execute("SELECT pg_stat_force_next_flush()")
        return conn.execute(
            "SELECT pg_stat_get_tuples_hot_updated('messages'::regclass)"
        ).fetchone()[0]

    start = hot_updates()
    claimed = []
    for _ in range(10):
        with conn.transaction():
            claimed += dq.claim(conn, "w", limit=10)
    assert len(claimed) == 100
    assert hot_updates() - start == 100
    assert campaigns.campaign_counts(conn, campaign) == before == {"ready": 100}


def test_claims_and_send_markers_spare_the_update_triggers_for_their_own_statement(conn, campaign):
    """claim_batch and begin_send's marker change only lease columns, so they run with
    reminderly.lease_only on and the rollup, hourly and event triggers are not called for
    them; the flag is off again for the next statement of the same transaction, so the send
    recorded there still moves every rollup and emits every event."""
    load_rows(conn, campaign, [person(i) for i in range(1, 4)])
    make_due(conn)
    dq.mark_ready(conn)
    # a statement trigger that records the flag each UPDATE of messages ran with
    conn.execute("CREATE TABLE flag_seen (id serial, flag text)")
    conn.execute(
        "CREATE FUNCTION flag_spy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " INSERT INTO flag_seen (flag) VALUES (current_setting('reminderly.lease_only', true));"
        " RETURN NULL; END $$"
    )
    conn.execute(
        "CREATE TRIGGER flag_spy AFTER UPDATE ON messages FOR EACH STATEMENT"
        " EXECUTE FUNCTION flag_spy()"
    )
    with conn.transaction():
        ids = [m.id for m in dq.claim(conn, "w1", limit=10)]
        verdicts = conn.execute("SELECT verdict FROM begin_send_many('w1', %s)", [ids])
        assert [v for (v,) in verdicts] == ["send"] * 6
        assert dq.complete(conn, "w1", ids, [f"p-{i}" for i in ids]) == set(ids)
    seen = [f for (f,) in conn.execute("SELECT flag FROM flag_seen ORDER BY id")]
    assert seen == ["on"] + ["on"] * 6 + [""]  # the claim, six markers, the completion
    assert conn.execute("SELECT * FROM check_rollups()").fetchall() == []
    assert campaigns.campaign_counts(conn, campaign) == {"sent": 6}
    hourly = (
        "SELECT sum(n) FROM campaign_location_hourly_counts"
        " WHERE campaign_id = %s AND metric = 'sent'"
    )
    assert conn.execute(hourly, [campaign]).fetchone() == (6,)
    sent = "SELECT message_id FROM events WHERE type = 'message.sent' ORDER BY message_id"
    assert [i for (i,) in conn.execute(sent)] == sorted(ids)


def test_concurrent_claims_never_share_a_message(conn, db_url, campaign):
    load_rows(conn, campaign, [person(i) for i in range(1, 51)])
    make_due(conn)
    dq.mark_ready(conn)
    with psycopg.connect(db_url) as a, psycopg.connect(db_url) as b:
        first = dq.claim(a, "wa", limit=30)  # a's transaction stays open: rows locked
        second = dq.claim(b, "wb", limit=100)
        a.commit()
        b.commit()
    ids_a, ids_b = {m.id for m in first}, {m.id for m in second}
    assert len(ids_a) == 30 and len(ids_b) == 70
    assert not ids_a & ids_b


def test_complete_by_a_worker_that_lost_its_lease_changes_nothing(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    dq.mark_ready(conn)
    (first, _) = dq.claim(conn, "slow", limit=2, lease=timedelta(milliseconds=50))
    time.sleep(0.1)
    assert dq.reclaim_expired_leases(conn) == 2
    again = dq.claim(conn, "fast", limit=2)
    assert {m.attempts for m in again} == {2}
    assert dq.complete(conn, "slow", [first.id]) == set()  # too late: not slow's any more
    assert dq.complete(conn, "fast", [m.id for m in again]) == {m.id for m in again}
    assert statuses(conn) == {"sent": 2}


def test_lease_expiry_after_a_worker_dies(conn, db_url, campaign):
    load_rows(conn, campaign, [person(i) for i in range(1, 6)])
    make_due(conn)
    dq.mark_ready(conn)
    dead = psycopg.connect(db_url, autocommit=True)
    dq.claim(dead, "dies", limit=10, lease=timedelta(milliseconds=100))
    dead.close()  # the worker is gone; its leases remain
    assert dq.claim(conn, "survivor", limit=10) == []
    time.sleep(0.15)
    assert dq.reclaim_expired_leases(conn) == 10
    survivors = dq.claim(conn, "survivor", limit=10)
    assert len(survivors) == 10
    dq.complete(conn, "survivor", [m.id for m in survivors])
    assert statuses(conn) == {"sent": 10}
    errors = {r[0] for r in conn.execute("SELECT last_error FROM messages")}
    assert errors == {None}


def test_transient_failures_back_off_exponentially_then_go_dead(conn, account):
    campaign = make_campaign(
        conn, account, offsets=(-2,), max_attempts=3, retry_base=timedelta(seconds=10)
    )
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    delays = []
    for attempt in range(1, 4):
        conn.execute("UPDATE messages SET send_at = now() WHERE status = 'retry'")
        dq.mark_ready(conn)
        (msg,) = dq.claim(conn, "w", limit=1)
        assert msg.attempts == attempt
        with conn.transaction():
            outcome = dq.fail(conn, "w", [(msg.id, "throttled", False)])
            (send_at, now) = conn.execute("SELECT send_at, now() FROM messages").fetchone()
        delays.append((send_at - now).total_seconds())
        assert outcome == {msg.id: "retry" if attempt < 3 else "dead"}
    assert 8 <= delays[0] <= 12 and 16 <= delays[1] <= 24  # 10 s, then 20 s, +-20% jitter
    assert statuses(conn) == {"dead": 1}
    assert conn.execute("SELECT last_error FROM messages").fetchone() == ("throttled",)


def test_backoff_is_capped_at_retry_max(conn, account):
    campaign = make_campaign(
        conn,
        account,
        offsets=(-2,),
        max_attempts=10,
        retry_base=timedelta(minutes=10),
        retry_max=timedelta(minutes=15),
    )
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    for _ in range(3):
        conn.execute("UPDATE messages SET send_at = now() WHERE status = 'retry'")
        dq.mark_ready(conn)
        (msg,) = dq.claim(conn, "w", limit=1)
        dq.fail(conn, "w", [(msg.id, "timeout", False)])
    delay = conn.execute("SELECT extract(epoch FROM send_at - now()) FROM messages").fetchone()[0]
    assert float(delay) <= 15 * 60 * 1.2


def test_permanent_failure_fails_at_once(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    dq.mark_ready(conn)
    msgs = dq.claim(conn, "w", limit=2)
    out = dq.fail(conn, "w", [(msgs[0].id, "invalid number", True), (msgs[1].id, "503", False)])
    assert out == {msgs[0].id: "failed", msgs[1].id: "retry"}


def test_reclaim_after_last_attempt_goes_dead(conn, account):
    campaign = make_campaign(conn, account, offsets=(-2,), max_attempts=1)
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    dq.mark_ready(conn)
    dq.claim(conn, "w", limit=1, lease=timedelta(milliseconds=10))
    time.sleep(0.05)
    dq.reclaim_expired_leases(conn)
    assert statuses(conn) == {"dead": 1}


def test_opt_out_while_claimed_makes_the_send_unrecordable(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    dq.mark_ready(conn)
    claimed = dq.claim(conn, "w", limit=2)
    consent.record(conn, claimed[0].customer_id, "sms", "opt_out", "reply STOP")
    assert dq.complete(conn, "w", [m.id for m in claimed]) == set()
    assert statuses(conn) == {"suppressed:opted_out": 2}


def test_pause_returns_ready_messages_and_resume_brings_them_back(conn, campaign):
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    dq.mark_ready(conn)
    campaigns.set_status(conn, campaign, "paused")
    assert statuses(conn) == {"scheduled": 2}
    assert dq.mark_ready(conn) == 0
    assert dq.claim(conn, "w") == []
    campaigns.set_status(conn, campaign, "active")
    assert dq.mark_ready(conn) == 2


def test_packet_states_advance_with_its_messages(conn, campaign):
    result = load_rows(conn, campaign, [person(1)])
    make_due(conn)
    dq.mark_ready(conn)
    dq.refresh_packet_states(conn)
    assert packet_state.packet_status(conn, result.packet_id).status == "dispatching"
    msgs = dq.claim(conn, "w", limit=5)
    dq.complete(conn, "w", [m.id for m in msgs])
    dq.refresh_packet_states(conn)
    status = packet_state.packet_status(conn, result.packet_id)
    assert status.status == "completed"
    assert "dispatch" in status.stage_seconds


def test_invalid_campaign_transitions_are_refused(conn, campaign):
    campaigns.archive_campaign(conn, campaign)
    with pytest.raises(psycopg.errors.CheckViolation, match="cannot go from archived to active"):
        campaigns.set_status(conn, campaign, "active")
