"""Flow tests: 1, 2 and 5 packets end to end (load, validate, plan, ready, claim, complete),
accounting for every row and every message."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from helpers import load_rows, make_campaign, person

from app_service import consent, packet_state
from app_service import dispatch_queue as dq
from app_service.models import FINAL


def packet_rows(rng: random.Random, size: int = 40) -> list[dict]:
    """A packet of mostly valid rows: some bad, some repeating earlier customers' appointments
    (moved or cancelled), some new."""
    rows = []
    for _ in range(size):
        n = rng.randint(1, 120)
        row = person(n, hours=rng.choice([30, 60, 90, 120]))
        roll = rng.random()
        if roll < 0.08:
            row["phone"] = "12345"
        elif roll < 0.12:
            row["appointment_at"] = "soon"
        elif roll < 0.16:
            row["status"] = "cancelled"
        rows.append(row)
    return rows


def run_workers(conn, rng: random.Random) -> dict[str, int]:
    """Dispatch until nothing is pending; outcomes are drawn: mostly sent, some transient
    failures (retried), some permanent ones. Returns how many of each outcome were recorded."""
    outcomes = {"sent": 0, "transient": 0, "permanent": 0}
    for _ in range(500):
        conn.execute("UPDATE messages SET send_at = now() WHERE status IN ('scheduled', 'retry')")
        dq.mark_ready(conn)
        batch = dq.claim(conn, "flow-worker", limit=17)
        if not batch:
            pending = conn.execute(
                "SELECT count(*) FROM messages WHERE status IN ('scheduled','ready','retry')"
            ).fetchone()[0]
            if pending == 0:
                return outcomes
            continue
        sent, failed = [], []
        for m in batch:
            roll = rng.random()
            if roll < 0.1:
                failed.append((m.id, "provider 503", False))
                outcomes["transient"] += 1
            elif roll < 0.13:
                failed.append((m.id, "invalid destination", True))
                outcomes["permanent"] += 1
            else:
                sent.append(m.id)
        outcomes["sent"] += len(dq.complete(conn, "flow-worker", sent))
        dq.fail(conn, "flow-worker", failed)
    raise AssertionError("the queue did not drain")


@pytest.mark.parametrize("n_packets", [1, 2, 5])
def test_packets_end_to_end(conn, account, n_packets):
    campaign = make_campaign(conn, account, max_attempts=3, retry_base=timedelta(milliseconds=1))
    rng = random.Random(n_packets)
    submitted = []
    results = []
    for p in range(n_packets):
        rows = packet_rows(rng)
        submitted.append(len(rows))
        results.append(load_rows(conn, campaign, rows))
        if p == 0:  # an opt-out arrives after the first packet was planned
            (customer,) = conn.execute("SELECT id FROM customers ORDER BY id LIMIT 1").fetchone()
            consent.record(conn, customer, "sms", "opt_out", "reply STOP")

    outcomes = run_workers(conn, rng)
    dq.refresh_packet_states(conn)

    # every row is accounted for: accepted + rejected = submitted
    for result, n in zip(results, submitted, strict=True):
        status = packet_state.packet_status(conn, result.packet_id)
        assert status.rows_submitted == n
        assert status.rows_accepted + status.rows_rejected == n
        assert status.status == "completed"
        assert (
            len(packet_state.row_errors(conn, result.packet_id, limit=1000)) == status.rows_rejected
        )

    # every message that was planned exists once and reached exactly one final state
    planned = sum(r.messages_planned for r in results)
    states = dict(conn.execute("SELECT status, count(*) FROM messages GROUP BY 1").fetchall())
    assert sum(states.values()) == planned
    assert set(states) <= FINAL, states
    assert states.get("sent", 0) == outcomes["sent"]
    assert states.get("failed", 0) == outcomes["permanent"]
    assert conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM messages GROUP BY campaign_id, customer_id, appointment_id, step "
        "HAVING count(*) > 1) d"
    ).fetchone() == (0,)

    # no row points at a missing parent (the high-volume tables have no foreign keys)
    assert [r for r in conn.execute("SELECT * FROM check_references()") if r[1]] == []

    # the rollups agree with the table, and a packet's counts add up to its messages
    assert conn.execute("SELECT * FROM check_rollups()").fetchall() == []
    for result in results:
        counted = sum(packet_state.packet_status(conn, result.packet_id).messages.values())
        actual = conn.execute(
            "SELECT count(*) FROM messages WHERE packet_id = %s", [result.packet_id]
        ).fetchone()
        assert counted == actual[0]
