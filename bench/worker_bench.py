"""The dispatch benchmark: messages/s through the full worker (render, local outbox channel,
bookkeeping) with 1 and 2 worker processes, against the bare claim/ack loop in the same run,
and the latency from a packet upload to its first message sent.

    python bench/worker_bench.py            # 40,000 messages per measurement
    python bench/worker_bench.py --quick    # 2,000
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flow_bench import OUT, _bare_worker, bare_queue, database, in_parallel, log, make_campaigns  # noqa: E402

from app_service import campaigns, db, demo_data, packets  # noqa: E402
from app_service.packet_source import csv_source  # noqa: E402
from app_service.worker.channels.outbox import OutboxChannel  # noqa: E402
from app_service.worker.runner import Worker, WorkerSettings  # noqa: E402


def _full_worker(url: str, name: str, barrier, results) -> None:
    pool = db.open_pool(url, max_size=3, name=name)
    outbox = OutboxChannel(pool)
    worker = Worker(
        pool,
        {"sms": outbox, "email": outbox},
        WorkerSettings(
            batch=100, tick_seconds=0.2, idle_sleep_seconds=0.05, lease=timedelta(minutes=5)
        ),
        name=name,
        emit_metrics=None,
    )
    barrier.wait()
    counters = worker.run(until_idle=True)
    pool.close()
    results.put(counters.sent)


def load_ready(conn: psycopg.Connection, campaign_id: int, messages: int, seed: int) -> None:
    rows = messages // 2
    for start in range(0, rows, 10_000):
        body = demo_data.sample_csv(seed=seed + start, rows=min(10_000, rows - start), bad_every=0)
        packets.load_packet(conn, campaign_id, csv_source(io.BytesIO(body)))
    conn.execute(
        "UPDATE messages SET send_at = now() - interval '1 second' WHERE campaign_id = %s",
        [campaign_id],
    )
    conn.execute("SELECT mark_ready(1000000)")
    conn.execute("VACUUM ANALYZE messages")


def upload_to_first_send(url: str, conn: psycopg.Connection, campaign_id: int) -> float:
    """A worker is already running; a packet whose 2-hour reminder is due now is uploaded:
    seconds from the start of the upload to its first message in the outbox."""
    import threading

    pool = db.open_pool(url, max_size=3, name="latency")
    outbox = OutboxChannel(pool)
    worker = Worker(
        pool,
        {"sms": outbox},
        WorkerSettings(tick_seconds=0.2, idle_sleep_seconds=0.05),
        emit_metrics=None,
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    time.sleep(1)
    before = conn.execute("SELECT coalesce(max(message_id), 0) FROM outbox").fetchone()[0]
    body = demo_data.sample_csv(seed=99_000_000, rows=10, bad_every=0)
    start = time.perf_counter()
    packets.load_packet(conn, campaign_id, csv_source(io.BytesIO(body)))
    while (
        conn.execute("SELECT count(*) FROM outbox WHERE message_id > %s", [before]).fetchone()[0]
        == 0
    ):
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    worker.request_stop()
    thread.join()
    pool.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 2_000 if args.quick else 40_000
    url = database()
    conn = psycopg.connect(url, autocommit=True)
    account = campaigns.create_account(conn, "Bench", timezone="America/Chicago")
    camps = make_campaigns(conn, account, 3)
    results: dict = {"messages_per_run": n}
    for workers, campaign_id in zip((1, 2), camps, strict=False):
        load_ready(conn, campaign_id, n, seed=workers * 10_000_000)
        log(f"full worker, {workers} process(es), {n} messages")
        done, elapsed = in_parallel(
            _full_worker, [(url, f"bench-full-{i}") for i in range(workers)]
        )
        results[f"worker_{workers}"] = {"messages": done, "per_s": round(done / elapsed)}
        log(f"  {round(done / elapsed)} messages/s")
        bare_queue(url, n)
        done, elapsed = in_parallel(
            _bare_worker, [(url, f"bench-bare-{i}") for i in range(workers)]
        )
        results[f"bare_{workers}"] = {"messages": done, "per_s": round(done / elapsed)}
        log(f"  bare loop: {round(done / elapsed)} messages/s")
    latency = upload_to_first_send(url, conn, camps[2])
    results["upload_to_first_send_seconds"] = round(latency, 3)
    log(f"upload to first send: {latency:.3f} s")
    dupes = conn.execute("SELECT count(*) - count(DISTINCT message_id) FROM outbox").fetchone()[0]
    sent = conn.execute("SELECT count(*) FROM messages WHERE status = 'sent'").fetchone()[0]
    outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    results["integrity"] = {"outbox_duplicates": dupes, "sent": sent, "outbox": outbox}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"worker-{'quick' if args.quick else 'full'}.json").write_text(
        json.dumps(results, indent=2)
    )
    print(json.dumps(results, indent=2))
    if dupes or sent != outbox:
        sys.exit("integrity check failed")


if __name__ == "__main__":
    main()
