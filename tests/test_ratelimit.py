"""Provider send rates are shared by every worker through the database."""

from __future__ import annotations

import threading

from app_service import db
from app_service.db import one
from app_service.queries import Q
from app_service.worker.channels.outbox import OutboxChannel
from app_service.worker.ratelimit import SendRate, SharedRateLimiter
from app_service.worker.runner import Worker, WorkerSettings
from tests.helpers import load_rows, make_campaign, make_due, person


def test_a_bucket_grants_its_burst_then_refills_at_its_rate(conn):
    conn.execute(Q.configure_send_rate, {"key": "sms:pool-1", "rate": 5.0, "burst": 2.0})
    granted, wait = one(conn, Q.take_send_tokens, {"key": "sms:pool-1", "wanted": 10})
    assert granted == 2 and wait > 0.1
    granted, wait = one(conn, Q.take_send_tokens, {"key": "sms:pool-1", "wanted": 10})
    assert granted == 0 and 0 < wait <= 0.2
    conn.execute("UPDATE send_rate_limits SET updated_at = updated_at - interval '1 second'")
    assert (
        one(conn, Q.take_send_tokens, {"key": "sms:pool-1", "wanted": 10})[0] == 2
    )  # capped by burst
    # an unconfigured sender is not limited
    assert one(conn, Q.take_send_tokens, {"key": "email:other", "wanted": 7}) == (7, 0.0)


def test_two_workers_together_stay_within_one_senders_rate(conn, db_url, account):
    campaign = make_campaign(conn, account, offsets=(-48, -2))
    load_rows(conn, campaign, [person(i) for i in range(30)])
    make_due(conn)
    rate = 20.0
    pools = [db.open_pool(db_url, max_size=4) for _ in range(2)]
    try:
        workers = [
            Worker(
                pool,
                {"sms": OutboxChannel(pool)},
                WorkerSettings(
                    batch=10, tick_seconds=0.05, idle_sleep_seconds=0.02, link_secret="s"
                ),
                emit_metrics=None,
                limiters={
                    "sms": SharedRateLimiter(pool, SendRate("sms:outbox", rate, 1.0), chunk=1)
                },
            )
            for pool in pools
        ]
        threads = [threading.Thread(target=w.run, kwargs={"until_idle": True}) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        for pool in pools:
            pool.close()
    times = [
        t
        for (t,) in conn.execute("SELECT extract(epoch FROM sent_at) FROM outbox ORDER BY sent_at")
    ]
    assert len(times) == 60
    assert sum(w.counters.sent for w in workers) == 60 and all(w.counters.sent > 0 for w in workers)
    times = [float(t) for t in times]
    # in any stretch of the run, at most burst + rate x its length sends, give or take 0.1 s of
    # jitter between a token's grant and the outbox row's timestamp (unlimited, all 60 go in ~0.2 s)
    slack = 0.1
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            assert j - i <= 1 + rate * (times[j] - times[i] + slack), (i, j, times[j] - times[i])
    assert times[-1] - times[0] >= (60 - 1) / rate - 2 * slack
