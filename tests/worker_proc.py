"""A worker in its own process, for the kill -9 and SIGTERM tests:
python tests/worker_proc.py DB_URL DELAY_SECONDS LEASE_SECONDS [INFLIGHT [BATCH]]"""

from __future__ import annotations

import signal
import sys
from datetime import timedelta

from app_service import db
from app_service.worker.channels.outbox import OutboxChannel
from app_service.worker.runner import Worker, WorkerSettings
from tests.faults import Faults, FaultyChannel

if __name__ == "__main__":
    url, delay, lease = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    inflight = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 10
    pool = db.open_pool(url, max_size=8)
    channel = FaultyChannel(OutboxChannel(pool), Faults(delay_seconds=delay))
    worker = Worker(
        pool,
        {"sms": channel, "email": channel},
        WorkerSettings(
            batch=batch,
            inflight=inflight,
            lease=timedelta(seconds=lease),
            tick_seconds=0.2,
            idle_sleep_seconds=0.1,
        ),
        name=f"proc-{sys.argv[2]}",
        emit_metrics=None,
    )
    signal.signal(signal.SIGTERM, lambda *_: worker.request_stop())
    print("started", flush=True)
    worker.run()
    print("stopped", flush=True)
