"""The local cross-region drill: a worker killed -9 while its sends are in flight, the primary
"region" lost, the replica promoted, the sending finished on the DR side; every message reaches
the provider once (the provider's log keeps every send, no deduplication)."""

from __future__ import annotations

from collections import Counter

from tools import region_drill


def test_a_worker_killed_mid_batch_then_the_region_lost_sends_each_message_once():
    r = region_drill.run(rows=60, due=40, kill_after=15)  # a temp folder the server user can enter
    assert r.passed, r
    assert r.provider_sends_at_kill >= 15 and r.messages_due == 40
    assert r.sent_twice == [] and r.lost == []
    # the dead worker's batch: the messages it had handed over (their marker committed, then
    # replicated) are unknown on the DR side, never sent again; everything else was sent there
    assert r.in_flight_at_kill and r.unknown == r.in_flight_at_kill
    assert set(r.unknown_not_delivered) <= set(r.unknown)  # marked in a group, not yet handed over
    assert sum(r.outcomes.values()) == 40
    assert r.outcomes == {
        "sent": 40 - len(r.unknown),
        "failed:send_outcome_unknown": len(r.unknown),
    }
    assert r.sent_after_failover == 40 - len(r.unknown) - (
        r.provider_sends_at_kill - (len(r.unknown) - len(r.unknown_not_delivered))
    )
    assert r.promote_seconds > 0


def test_the_verdict_sees_a_second_send_a_lost_message_and_a_retried_in_flight_one():
    """What the drill would report if the DR side re-sent an in-flight message (no marker) or
    dropped one: not passed."""
    due = [1, 2, 3, 4]
    good = region_drill.FailoverResult(in_flight_at_kill=[2])
    region_drill.judge(
        good,
        {
            1: ("sent", None),
            2: ("failed", "send_outcome_unknown"),
            3: ("sent", None),
            4: ("sent", None),
        },
        due,
        Counter({1: 1, 2: 1, 3: 1, 4: 1}),
        before=2,
    )
    assert good.passed and good.sent_after_failover == 2
    resent = region_drill.FailoverResult(in_flight_at_kill=[2])
    region_drill.judge(
        resent,
        {1: ("sent", None), 2: ("sent", None), 3: ("sent", None), 4: ("sent", None)},
        due,
        Counter({1: 1, 2: 2, 3: 1, 4: 1}),
        before=2,
    )
    assert not resent.passed and resent.sent_twice == [2] and resent.unknown == []
    dropped = region_drill.FailoverResult(in_flight_at_kill=[2])
    region_drill.judge(
        dropped,
        {
            1: ("sent", None),
            2: ("failed", "send_outcome_unknown"),
            3: ("ready", None),
            4: ("sent", None),
        },
        due,
        Counter({1: 1, 2: 1, 4: 1}),
        before=2,
    )
    assert not dropped.passed and dropped.lost == [3]
