"""The worker against the provider simulator: messages/s against the ideal of its dispatch
loops, each waiting on one provider call at a time (concurrency / mean latency).

    .venv/bin/python bench/dispatch_sim_bench.py                 # p50 50 ms, p99 250 ms
    .venv/bin/python bench/dispatch_sim_bench.py --messages 600 --concurrency 2 16

Each run: a fresh embedded PostgreSQL database, N due SMS messages, one worker process's
dispatch loops (in this process) against `SimulatedChannel` in front of the outbox, until
idle. Prints one JSON line per concurrency: messages/s, the ideal, their ratio, CPU seconds per
1,000 messages, and a check that every message was sent exactly once.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app_service import campaigns, db, embedded, migrate, packets  # noqa: E402
from app_service.models import CampaignSpec, Step  # noqa: E402
from app_service.packet_source import rows_source  # noqa: E402
from app_service.worker.channels.outbox import OutboxChannel  # noqa: E402
from app_service.worker.channels.simulated import SimulatedChannel, Simulation  # noqa: E402
from app_service.worker.runner import Worker, WorkerSettings  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(url: str, n: int, concurrency: int, batch: int, sim: Simulation) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE outbox")
        account = campaigns.create_account(conn, "Bench", timezone="UTC")
        steps = [Step("now", timedelta(hours=-48), "Hi {{ first_name }}")]
        cid = campaigns.create_campaign(
            conn,
            CampaignSpec(account, "sim", "reminder", "sms", steps,
                         send_window_start=dtime(0, 0), send_window_end=dtime.max),
        )  # fmt: skip
        campaigns.set_status(conn, cid, "active")
        rows = [
            {"customer_id": f"c{i}", "first_name": "A", "phone": f"+1312555{i % 10000:04d}",
             "appointment_id": f"a{i}", "appointment_at": "2027-06-01T12:00:00Z"}
            for i in range(n)
        ]  # fmt: skip
        packets.load_packet(conn, cid, rows_source(rows))
        conn.execute(
            "UPDATE messages SET send_at = now() - interval '1 second' WHERE campaign_id = %s",
            [cid],
        )
    pool = db.open_pool(url, max_size=concurrency + 4)
    channel = SimulatedChannel(OutboxChannel(pool), sim)
    worker = Worker(
        pool, {"sms": channel, "email": channel},
        WorkerSettings(concurrency=concurrency, batch=batch, tick_seconds=0.05, idle_sleep_seconds=0.02,
                       link_secret="bench"),
        emit_metrics=None,
    )  # fmt: skip
    cpu, start = _cpu(), time.perf_counter()
    worker.run(until_idle=True)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    pool.close()
    with psycopg.connect(url) as conn:
        sent = conn.execute(
            "SELECT count(*) FROM messages WHERE campaign_id = %s AND status = 'sent'", [cid]
        ).fetchone()[0]
        outbox = conn.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone()
    ideal = concurrency / (sim.mean_ms / 1000)
    return {
        "concurrency": concurrency, "batch": batch, "messages": n, "sent": sent,
        "outbox_rows": outbox[0], "duplicates": outbox[0] - outbox[1],
        "per_s": round(n / elapsed, 1), "ideal_per_s": round(ideal, 1),
        "ratio": round(n / elapsed / ideal, 2), "cpu_s_per_1000": round(cpu / n * 1000, 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[2, 16])
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--p50-ms", type=float, default=50.0)
    parser.add_argument("--p99-ms", type=float, default=250.0)
    args = parser.parse_args()
    sim = Simulation(args.p50_ms, args.p99_ms, seed=1)
    url = embedded.start(Path(tempfile.mkdtemp(prefix="sim-bench-")) / "pgdata", database="bench",
                         keep_running=False)  # fmt: skip
    migrate.migrate(url)
    print(
        json.dumps({"p50_ms": sim.p50_ms, "p99_ms": sim.p99_ms, "mean_ms": round(sim.mean_ms, 1)})
    )
    for concurrency in args.concurrency:
        print(json.dumps(run(url, args.messages, concurrency, args.batch, sim)), flush=True)


if __name__ == "__main__":
    main()
