"""Events and webhooks benchmark: the cost the event triggers add to the worker's dispatch
(messages/s with the triggers on and off, alternated, same data) and webhook deliveries/s
to a local receiver (one endpoint: strictly in order; four endpoints at once).

    python bench/events_bench.py            # 20,000 messages per dispatch measurement
    python bench/events_bench.py --quick    # 4,000
    python bench/events_bench.py --deliveries-only 10000   # webhooks only, N synthetic events
                                                           # of N customers (no dispatch)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flow_bench import database, log, make_campaigns  # noqa: E402
from worker_bench import load_ready  # noqa: E402

from app_service import campaigns, db, safe_http, webhooks  # noqa: E402
from app_service.webhook_delivery import DeliverySettings, WebhookDispatcher  # noqa: E402
from app_service.worker.channels.outbox import OutboxChannel  # noqa: E402
from app_service.worker.runner import Worker, WorkerSettings  # noqa: E402

TRIGGERS = ("messages_events ON messages", "message_events_events ON message_events")


def dispatch_rate(url: str, conn, campaign: int, n: int, events_on: bool) -> float:
    for t in TRIGGERS:
        name, table = t.split(" ON ")
        verb = "ENABLE" if events_on else "DISABLE"
        conn.execute(f"ALTER TABLE {table} {verb} TRIGGER {name}")
    load_ready(conn, campaign, n, seed=campaign * 1000)
    pool = db.open_pool(url, max_size=4, name="bench-worker")
    outbox = OutboxChannel(pool)
    worker = Worker(
        pool,
        {"sms": outbox, "email": outbox},
        WorkerSettings(
            batch=100, tick_seconds=0.2, idle_sleep_seconds=0.05, lease=timedelta(minutes=5)
        ),
        emit_metrics=None,
    )
    started = time.perf_counter()
    sent = worker.run(until_idle=True).sent
    elapsed = time.perf_counter() - started
    pool.close()
    return sent / elapsed


def bookkeeping_cost(
    conn, campaign: int, blocks: int, per_block: int = 1000
) -> tuple[float, float]:
    """The worker's database bookkeeping alone (claim 100, mark as sending, complete), in
    interleaved blocks with the event triggers on and off: median microseconds per message
    for each. An upper bound of the triggers' share of a worker's time, which also renders
    and calls the provider."""
    load_ready(conn, campaign, 2 * blocks * per_block, seed=campaign * 1000)
    timings: dict[bool, list[float]] = {True: [], False: []}
    for block in range(2 * blocks):
        on = block % 2 == 1
        for t in TRIGGERS:
            name, table = t.split(" ON ")
            conn.execute(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} TRIGGER {name}")
        started = time.perf_counter()
        for _ in range(per_block // 100):
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM claim_batch('bench', 100, interval '5 minutes')"
                )
            ]
            conn.execute("SELECT count(*) FROM begin_send_many('bench', %s)", [ids])
            conn.execute("SELECT count(*) FROM complete_messages('bench', %s)", [ids])
        timings[on].append((time.perf_counter() - started) / per_block * 1e6)
    return statistics.median(timings[False]), statistics.median(timings[True])


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def delivery_rate(url: str, conn, account: int, endpoints: int) -> tuple[int, float]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    Thread(target=server.serve_forever, daemon=True).start()
    policy = safe_http.DEVELOPMENT
    conn.execute("DELETE FROM webhook_endpoints")
    for _ in range(endpoints):
        webhooks.create(
            conn,
            account,
            {"url": f"http://127.0.0.1:{server.server_port}/h", "event_types": ["message.sent"]},
            policy,
        )
    conn.execute("UPDATE webhook_fanout_state SET txid = '0', event_id = 0")
    settings = DeliverySettings(policy=policy, endpoints_at_once=endpoints, batch=200)
    dispatcher = WebhookDispatcher(url, "bench", settings)
    from concurrent.futures import ThreadPoolExecutor

    total = 0
    started = time.perf_counter()
    with ThreadPoolExecutor(endpoints) as pool:
        while True:
            done = dispatcher.run_once(pool)
            total += done
            if (
                not done
                and not conn.execute(
                    "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"
                ).fetchone()[0]
            ):
                break
    elapsed = time.perf_counter() - started
    dispatcher.close()
    server.shutdown()
    return total, total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=2, help="dispatch runs with events on/off")
    parser.add_argument("--dispatch-only", action="store_true")
    parser.add_argument("--deliveries-only", type=int, metavar="N", help="webhooks only")
    args = parser.parse_args()
    n = 4_000 if args.quick else 20_000
    url = database()
    with psycopg.connect(url, autocommit=True) as conn:
        account = campaigns.create_account(conn, "bench", default_country="US", timezone="UTC")
        if args.deliveries_only:
            # message.sent events as the trigger writes them, one customer each (so each
            # delivery has its own ordering key, as a day's reminders do)
            conn.execute(
                "INSERT INTO events (account_id, type, customer_id, data) SELECT %s,"
                " 'message.sent', g, '{}' FROM generate_series(1, %s) g",
                [account, args.deliveries_only],
            )
            for endpoints in (1, 4):
                total, rate = delivery_rate(url, conn, account, endpoints)
                log(f"webhooks, {endpoints} endpoint(s): {total:,} deliveries, {rate:,.0f}/s")
            return
        ids = make_campaigns(conn, account, 2 * args.rounds)
        rates: dict[bool, list[float]] = {True: [], False: []}
        for campaign, on in zip(ids, (False, True) * args.rounds, strict=True):
            rate = dispatch_rate(url, conn, campaign, n, on)
            rates[on].append(rate)
            log(f"dispatch, events {'on ' if on else 'off'}: {rate:,.0f} messages/s")
        for pick, name in ((max, "best"), (statistics.median, "median")):
            off, on = pick(rates[False]), pick(rates[True])
            log(
                f"events cost ({name} of {args.rounds} each): {100 * (off - on) / off:.1f}% "
                f"of dispatch throughput ({off:,.0f} -> {on:,.0f} messages/s)"
            )
        off, on = bookkeeping_cost(conn, make_campaigns(conn, account, 1)[0], blocks=10)
        log(
            f"bookkeeping per message: {off:.0f} us without events, {on:.0f} us with "
            f"(+{100 * (on - off) / off:.1f}%; medians of 10 interleaved blocks of 1,000)"
        )
        (events,) = conn.execute(
            "SELECT count(*) FROM events WHERE type = 'message.sent'"
        ).fetchone()
        log(f"{events:,} message.sent events")
        if args.dispatch_only:
            return
        for endpoints in (1, 4):
            total, rate = delivery_rate(url, conn, account, endpoints)
            log(f"webhooks, {endpoints} endpoint(s): {total:,} deliveries, {rate:,.0f}/s")


if __name__ == "__main__":
    main()
