"""Hostile templates at send time, against the real worker and database: each message whose
template fails is failed for good (one attempt, `template_error: ...`), in bounded time,
while the other tenant's messages in the same batches go out, and the worker (threads,
process) stays up. Also any other exception raised for one message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from helpers import load_rows, make_campaign, make_due, person

from app_service import PROJECT_ROOT, campaigns, db
from app_service.worker.channels.base import OutgoingMessage, SendResult
from app_service.worker.channels.outbox import OutboxChannel
from app_service.worker.runner import Worker, WorkerSettings
from tests.security.attacks import CLASSES

FAST = dict(tick_seconds=0.05, idle_sleep_seconds=0.02, heartbeat_seconds=0.1)
BYSTANDERS = 30


@pytest.fixture
def pool(db_url):
    p = db.open_pool(db_url, max_size=6)
    yield p
    p.close()


def _hostile_campaign(conn, account: int, template: str) -> int:
    """A campaign whose step holds `template` (stored as it was before the checks, or as a
    template that fails only with some rows' data)."""
    campaign = make_campaign(conn, account, offsets=(-2,))
    conn.execute(
        "UPDATE campaign_steps SET template = %s WHERE campaign_id = %s", [template, campaign]
    )
    return campaign


def _two_tenants(conn, payloads: list[str]) -> tuple[int, int]:
    """Tenant A: one campaign per payload, two rows each (visits 0 and 5). Tenant B: an
    ordinary campaign with BYSTANDERS rows. All due now, so batches mix both tenants."""
    attacker = campaigns.create_account(conn, "Attacker", timezone="America/Chicago")
    bystander = campaigns.create_account(conn, "Bystander", timezone="America/Chicago")
    for i, payload in enumerate(payloads):
        campaign = _hostile_campaign(conn, attacker, payload)
        load_rows(
            conn, campaign, [person(1000 + 2 * i, visits="0"), person(1001 + 2 * i, visits="5")]
        )
    load_rows(
        conn,
        make_campaign(conn, bystander, offsets=(-2,)),
        [person(i) for i in range(1, BYSTANDERS + 1)],
    )
    make_due(conn)
    # interleaved by due time: each batch claimed holds both tenants' messages
    conn.execute(
        "UPDATE messages m SET send_at = now() - interval '1 minute' + r.n * interval '1 ms'"
        " FROM (SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY id) AS n"
        "       FROM messages) r WHERE r.id = m.id"
    )
    return attacker, bystander


def _outcomes(conn, account: int) -> list[tuple[str, str, int]]:
    return conn.execute(
        "SELECT status, coalesce(last_error, ''), attempts FROM messages WHERE account_id = %s",
        [account],
    ).fetchall()


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_fails_its_messages_and_the_other_tenant_is_sent(conn, pool, name, monkeypatch):
    from app_service.worker import runner

    attacker, bystander = _two_tenants(conn, CLASSES[name])
    batches: list[set[int]] = []
    real_claim = runner.dq.claim

    def claim(*args, **kwargs):
        found = real_claim(*args, **kwargs)
        batches.append({m.account_id for m in found})
        return found

    monkeypatch.setattr(runner.dq, "claim", claim)
    worker = Worker(
        pool,
        {"sms": OutboxChannel(pool)},
        WorkerSettings(**FAST, concurrency=2, batch=7),
        emit_metrics=None,
    )
    started = time.monotonic()
    worker.run(until_idle=True)  # returns only once nothing is pending: no thread died
    assert time.monotonic() - started < 30
    assert _outcomes(conn, bystander) == [("sent", "", 1)] * BYSTANDERS
    attacked = _outcomes(conn, attacker)
    assert len(attacked) == 2 * len(CLASSES[name])
    for status, error, attempts in attacked:
        if status == "sent":  # only `100 // visits` and `5 % visits` with visits 5 render
            continue
        assert status == "failed" and attempts == 1, (status, error, attempts)
        assert error.startswith("template_error: "), error
        assert "0x" not in error
    sent = {
        r[0]
        for r in conn.execute(
            "SELECT m.account_id FROM outbox o JOIN messages m ON m.id = o.message_id"
        ).fetchall()
    }
    assert sent <= {bystander, attacker}
    assert conn.execute(
        "SELECT count(*) FROM outbox o JOIN messages m ON m.id = o.message_id"
        " WHERE m.account_id = %s",
        [bystander],
    ).fetchone() == (BYSTANDERS,)
    assert worker.counters.failed == sum(1 for s, _, _ in attacked if s == "failed")
    assert {attacker, bystander} in batches  # batches held both tenants' messages


def test_a_data_dependent_error_fails_only_the_row_it_breaks(conn, pool, account):
    campaign = _hostile_campaign(conn, account, "{{ 100 // (visits|int) }} visits left")
    load_rows(conn, campaign, [person(1, visits="0"), person(2, visits="4")])
    make_due(conn)
    Worker(pool, {"sms": OutboxChannel(pool)}, WorkerSettings(**FAST), emit_metrics=None).run(
        until_idle=True
    )
    rows = dict(
        conn.execute(
            "SELECT c.external_id, m.status || ' ' || coalesce(m.last_error, '') FROM messages m"
            " JOIN customers c ON c.id = m.customer_id"
        ).fetchall()
    )
    assert rows == {
        "c1": "failed template_error: ZeroDivisionError: integer division or modulo by zero",
        "c2": "sent ",
    }
    assert conn.execute("SELECT body FROM outbox").fetchall() == [("25 visits left",)]


class ExplodingChannel:
    """A channel with a bug that raises for one tenant's messages."""

    name = "sms"

    def __init__(self, inner, account: int) -> None:
        self.inner, self.account = inner, account

    def send(self, message: OutgoingMessage) -> SendResult:
        if message.account_id == self.account:
            raise RuntimeError("bug in the channel")
        return self.inner.send(message)


def test_any_exception_for_one_message_fails_that_message_only(conn, pool, monkeypatch):
    attacker, bystander = _two_tenants(conn, ["Hi {{ first_name }}"])
    victim = conn.execute(
        "SELECT min(id) FROM messages WHERE account_id = %s", [bystander]
    ).fetchone()[0]
    from app_service.worker.compose import Composer

    real_fields = Composer.fields

    def fields(self, d):
        if d["id"] == victim:
            raise KeyError("a merge field the code did not expect")
        return real_fields(self, d)

    monkeypatch.setattr(Composer, "fields", fields)
    channel = ExplodingChannel(OutboxChannel(pool), attacker)
    Worker(
        pool, {"sms": channel}, WorkerSettings(**FAST, concurrency=2, batch=5), emit_metrics=None
    ).run(until_idle=True)
    assert _outcomes(conn, attacker) == [("failed", "send_error: RuntimeError", 1)] * 2
    outcomes = conn.execute(
        "SELECT id, status, last_error FROM messages WHERE account_id = %s", [bystander]
    ).fetchall()
    for mid, status, error in outcomes:
        if mid == victim:
            assert (status, error) == (
                "failed",
                "template_error: the merge fields could not be prepared (KeyError)",
            )
        else:
            assert status == "sent"


def test_the_dispatch_loop_outlives_an_exception_in_a_whole_batch(conn, pool, monkeypatch):
    """A batch that raises past the per-message handling (a bug while recording failures) does
    not end the thread: its leases expire, the messages are claimed again and sent."""
    from app_service.worker import compose, runner

    _, bystander = _two_tenants(conn, [])
    real = compose.render_many
    calls = {"n": 0}

    def flaky(jobs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("boom")
        return real(jobs)

    monkeypatch.setattr(compose, "render_many", flaky)
    monkeypatch.setattr(runner.Worker, "_record_failures", _explode_once(runner.Worker))
    worker = Worker(
        pool,
        {"sms": OutboxChannel(pool)},
        WorkerSettings(**FAST, batch=50, lease=timedelta(seconds=1)),
        emit_metrics=None,
    )
    started = time.monotonic()
    worker.run(until_idle=True)
    assert time.monotonic() - started < 30
    states = conn.execute(
        "SELECT status, count(*) FROM messages WHERE account_id = %s GROUP BY 1", [bystander]
    ).fetchall()
    assert states == [("sent", BYSTANDERS)]


def _explode_once(cls):
    """_record_failures raising once, as a bug past the per-message handling would."""
    real = cls._record_failures
    state = {"raised": False}

    def record(self, conn, failures):
        if failures and not state["raised"]:
            state["raised"] = True
            raise RuntimeError("bug while recording failures")
        return real(self, conn, failures)

    return record


def test_a_worker_process_stays_up_through_every_class(conn, db_url):
    """The worker as its own process (tests/worker_proc.py): every hostile template at once,
    the bystander's messages all sent, the process alive until told to stop."""
    payloads = [p for name in sorted(CLASSES) for p in CLASSES[name]]
    attacker, bystander = _two_tenants(conn, payloads)
    proc = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "tests" / "worker_proc.py"), db_url, "0", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert proc.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            (pending,) = conn.execute(
                "SELECT count(*) FROM messages WHERE status IN ('scheduled', 'ready')"
            ).fetchone()
            if pending == 0:
                break
            assert proc.poll() is None, proc.stdout.read()
            time.sleep(0.2)
        assert proc.poll() is None  # still running
        assert _outcomes(conn, bystander) == [("sent", "", 1)] * BYSTANDERS
        attacked = _outcomes(conn, attacker)
        failed = [o for o in attacked if o[0] != "sent"]
        assert len(failed) == len(attacked) - 2  # all but `100 // visits`, `5 % visits` with 5
        assert all(
            s == "failed" and e.startswith("template_error: ") and a == 1 for s, e, a in failed
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
