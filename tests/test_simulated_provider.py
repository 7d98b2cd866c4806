"""The provider simulator: its latency distribution, throttling and failure rates are what it
was asked for, it records what it accepted, and the CLI can run the worker against it."""

from __future__ import annotations

import statistics
import time

import pytest
from click.testing import CliRunner

from app_service.cli import main
from app_service.worker.channels.base import (
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)
from app_service.worker.channels.simulated import SimulatedChannel, Simulation
from tests.helpers import load_rows, make_campaign, make_due, person


class Recorder:
    name = "sms"
    sender = "recorder"

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append(message.message_id)
        return SendResult(f"rec-{message.message_id}")


def _message(n: int) -> OutgoingMessage:
    return OutgoingMessage(n, 1, "sms", "+13125550100", "hi")


def test_latency_follows_the_requested_percentiles():
    sim = Simulation(p50_ms=50, p99_ms=250, seed=7)
    channel = SimulatedChannel(Recorder(), sim)
    draws = sorted(channel._draw()[0] * 1000 for _ in range(20_000))
    p50, p99 = draws[len(draws) // 2], draws[int(len(draws) * 0.99)]
    assert 47 < p50 < 53 and 225 < p99 < 275, (p50, p99)
    assert statistics.fmean(draws) == pytest.approx(sim.mean_ms, rel=0.05)


def test_failures_at_the_requested_rates_and_accepted_sends_recorded():
    inner = Recorder()
    channel = SimulatedChannel(
        inner, Simulation(0.01, 0.02, transient_rate=0.2, permanent_rate=0.1, seed=3)
    )
    outcomes = {"ok": 0, "transient": 0, "permanent": 0}
    for n in range(2000):
        try:
            result = channel.send(_message(n))
            outcomes["ok"] += 1
            assert result.provider_message_id == f"sim-rec-{n}"
        except TransientSendError:
            outcomes["transient"] += 1
        except PermanentSendError:
            outcomes["permanent"] += 1
    assert outcomes["transient"] == pytest.approx(400, rel=0.15)
    assert outcomes["permanent"] == pytest.approx(200, rel=0.2)
    assert len(inner.sent) == outcomes["ok"]


def test_throttling_above_the_accepted_rate():
    channel = SimulatedChannel(Recorder(), Simulation(0.01, 0.02, accepted_rate=50, seed=1))
    start = time.monotonic()
    accepted = throttled = 0
    while time.monotonic() - start < 1.0:
        try:
            channel.send(_message(accepted + throttled))
            accepted += 1
        except TransientSendError as exc:
            assert "throttling" in str(exc)
            throttled += 1
    # the bucket starts full (50) and refills at 50/s: about 100 accepted in the second
    assert 80 <= accepted <= 115 and throttled > accepted, (accepted, throttled)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p50_ms": 0}, "p50 <= p99"),
        ({"p50_ms": 5, "p99_ms": 1}, "p50 <= p99"),
        ({"transient_rate": 0.8, "permanent_rate": 0.5}, "at most 1"),
        ({"accepted_rate": 0}, "positive"),
    ],
)
def test_impossible_simulations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Simulation(**kwargs)


def test_the_worker_command_runs_against_the_simulator(db_url, conn, account, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    campaign = make_campaign(conn, account, offsets=(-48,))
    load_rows(conn, campaign, [person(i) for i in range(1, 21)])
    make_due(conn)
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "worker",
            "--channel",
            "simulated",
            "--sim-p50-ms",
            "2",
            "--sim-p99-ms",
            "10",
            "--until-idle",
        ],
    )
    assert result.exit_code == 0, result.output
    assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (20,)
    assert conn.execute("SELECT count(*) FROM messages WHERE status = 'sent'").fetchone() == (20,)
    bad = runner.invoke(
        main, ["worker", "--channel", "simulated", "--sim-p50-ms", "9", "--sim-p99-ms", "2"]
    )
    assert bad.exit_code == 1 and "error: the simulated latency needs 0 < p50 <= p99" in bad.output
