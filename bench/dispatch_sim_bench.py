"""The worker against the provider simulator, in worker processes of its own: messages/s
against the ideal min(rate limit, processes x in-flight window / mean latency), CPU per 1,000
messages (the worker processes, and the database server), and what the send markers cost;
then the queue core (claim + complete) against a pgmq read + archive loop in the same run.

    .venv/bin/python bench/dispatch_sim_bench.py --pgmq-sql PATH/TO/pgmq.sql
    .venv/bin/python bench/dispatch_sim_bench.py --quick        # small runs, no pgmq

pgmq's SQL is its repository's `pgmq-extension/sql/pgmq.sql` (not part of this project: pass
a local copy; without it the comparison is skipped). Every run: a fresh set of due SMS in a
fresh embedded PostgreSQL database, N worker processes started and then released together
against `SimulatedChannel` (p50 50 ms, p99 250 ms) in front of the outbox, until idle. Each
line of output is JSON; every run checks that each message was sent exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
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
from app_service import dispatch_queue as dq  # noqa: E402
from app_service.models import CampaignSpec, Step  # noqa: E402
from app_service.packet_source import rows_source  # noqa: E402
from app_service.worker.channels.outbox import OutboxChannel  # noqa: E402
from app_service.worker.channels.simulated import SimulatedChannel, Simulation  # noqa: E402
from app_service.worker.ratelimit import SendRate, SharedRateLimiter  # noqa: E402
from app_service.worker.runner import Worker, WorkerSettings  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def server_cpu(pgdata: Path) -> float:
    """CPU seconds of the database server so far: the postmaster, its live backends, and the
    backends that have ended (counted in the postmaster's children's time)."""
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, utime, stime, cutime, cstime = (int(fields[i]) for i in (1, 11, 12, 13, 14))
        if int(entry.name) == pid:
            total += utime + stime + cutime + cstime
        elif ppid == pid:
            total += utime + stime
    return total / TICK


def children_cpu(parent: int) -> float:
    """CPU seconds of the live child processes of `parent` (the worker's template renderers)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def make_due(url: str, n: int) -> int:
    """n due SMS to n customers in a fresh campaign; returns the campaign."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE outbox")
        conn.execute("DELETE FROM worker_heartbeats")
        account = campaigns.create_account(conn, f"Bench {time.time()}", timezone="UTC")
        steps = [Step("now", timedelta(hours=-48), "Hi {{ first_name }}")]
        cid = campaigns.create_campaign(
            conn,
            CampaignSpec(
                account,
                "sim",
                "reminder",
                "sms",
                steps,
                send_window_start=dtime(0, 0),
                send_window_end=dtime.max,
            ),
        )
        campaigns.set_status(conn, cid, "active")
        rows = [
            {
                "customer_id": f"c{i}",
                "first_name": "A",
                "phone": f"+1312555{i % 10000:04d}",
                "appointment_id": f"a{i}",
                "appointment_at": "2027-06-01T12:00:00Z",
            }
            for i in range(n)
        ]
        packets.load_packet(conn, cid, rows_source(rows))
        conn.execute(
            "UPDATE messages SET send_at = now() - interval '1 second' WHERE campaign_id = %s",
            [cid],
        )
        dq.mark_ready(conn, limit=n)
        conn.execute("VACUUM ANALYZE messages")
    return cid


# --- one worker process ---------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """A worker process: say ready, wait for the go, run until idle, report."""
    sim = Simulation(args.p50_ms, args.p99_ms, seed=os.getpid())
    settings = WorkerSettings(
        inflight=args.inflight,
        batch=args.batch,
        marker_group=args.marker_group,
        tick_seconds=0.2,
        idle_sleep_seconds=0.02,
        lease=timedelta(minutes=5),
        link_secret="bench",
    )
    pool = db.open_pool(args.child, max_size=24)
    channel = SimulatedChannel(OutboxChannel(pool), sim, name="sms")
    limiters = {}
    if args.rate:
        rate = SendRate(f"sms:{channel.sender}", args.rate, burst=max(1.0, args.rate / 10))
        limiters["sms"] = SharedRateLimiter(pool, rate)
    worker = Worker(pool, {"sms": channel}, settings, emit_metrics=None, limiters=limiters)
    from app_service.worker.render import render_many

    render_many([("warm {{ x }}", {"x": 1})])  # the renderer processes started before the clock
    print("ready", flush=True)
    sys.stdin.readline()
    cpu, renderers, start = _cpu(), children_cpu(os.getpid()), time.time()
    worker.run(until_idle=True)
    end = time.time()
    renderers = children_cpu(os.getpid()) - renderers
    c = worker.counters
    print(
        json.dumps(
            {
                "sent": c.sent,
                "cpu_s": _cpu() - cpu + renderers,
                "renderer_cpu_s": renderers,
                "start": start,
                "end": end,
                "marker_commits": c.marker_commits,
                "marker_s": c.marker_seconds,
                "throttled": channel.throttled,
            }
        ),
        flush=True,
    )
    pool.close()


def run(
    url: str,
    pgdata: Path,
    args: argparse.Namespace,
    *,
    processes: int,
    n: int,
    rate: float | None,
    marker_group: int | None = None,
) -> dict:
    cid = make_due(url, n)
    sim = Simulation(args.p50_ms, args.p99_ms)
    cmd = [
        sys.executable,
        __file__,
        "--child",
        url,
        "--inflight",
        str(args.inflight),
        "--batch",
        str(args.batch),
        "--p50-ms",
        str(args.p50_ms),
        "--p99-ms",
        str(args.p99_ms),
    ]
    if rate:
        cmd += ["--rate", str(rate)]
    if marker_group:
        cmd += ["--marker-group", str(marker_group)]
    procs = [
        subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    server = server_cpu(pgdata)
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    reports = [json.loads(p.stdout.readline()) for p in procs]
    for p in procs:
        p.wait()
    server = server_cpu(pgdata) - server
    elapsed = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    with psycopg.connect(url) as conn:
        states = dict(
            conn.execute(
                "SELECT status, count(*) FROM messages WHERE campaign_id = %s GROUP BY 1", [cid]
            ).fetchall()
        )
        outbox = conn.execute("SELECT count(*), count(DISTINCT message_id) FROM outbox").fetchone()
    window_ideal = processes * args.inflight / (sim.mean_ms / 1000)
    ideal = min(rate, window_ideal) if rate else window_ideal
    per_s = n / elapsed
    worker_cpu = sum(r["cpu_s"] for r in reports)
    commits = sum(r["marker_commits"] for r in reports)
    return {
        "processes": processes,
        "inflight": args.inflight,
        "batch": args.batch,
        "rate": rate,
        "marker_group": marker_group or "free slots",
        "messages": n,
        "states": states,
        "outbox_rows": outbox[0],
        "duplicates": outbox[0] - outbox[1],
        "accounted": states.get("sent", 0) == n == outbox[1],
        "per_s": round(per_s, 1),
        "ideal_per_s": round(ideal, 1),
        "ratio": round(per_s / ideal, 2),
        "worker_cpu_s_per_1000": round(worker_cpu / n * 1000, 3),
        "of_which_renderer_s_per_1000": round(
            sum(r["renderer_cpu_s"] for r in reports) / n * 1000, 3
        ),
        "server_cpu_s_per_1000": round(server / n * 1000, 3),
        "marker_commits_per_1000": round(commits / n * 1000, 1),
        "marker_ms_per_1000": round(sum(r["marker_s"] for r in reports) / n * 1e6, 1),
        "throttled": sum(r["throttled"] for r in reports),
    }


# --- the queue core against pgmq ---------------------------------------------------------------


def _loop_cpu(conn: psycopg.Connection) -> float:
    """CPU seconds so far of this process and of the connection's server backend: per message,
    a measure of the work that other processes on a shared machine do not inflate as much as
    they inflate the wall time."""
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    return _cpu() + (int(fields[11]) + int(fields[12])) / TICK


def _loop_result(what: str, done: int, elapsed: float, cpu: float) -> dict:
    return {
        "what": what,
        "messages": done,
        "per_s": round(done / elapsed),
        "cpu_us_per_msg": round(cpu / done * 1e6, 1),
    }


def queue_core(url: str, n: int, batch: int) -> dict:
    """claim_batch + complete_messages from one connection, batches of `batch`."""
    make_due(url, n)
    with psycopg.connect(url, autocommit=True) as conn:
        done, start, cpu = 0, time.perf_counter(), _loop_cpu(conn)
        while True:
            claimed = dq.claim(conn, "core", batch, timedelta(minutes=5))
            if not claimed:
                break
            done += len(dq.complete(conn, "core", [m.id for m in claimed]))
        elapsed, cpu = time.perf_counter() - start, _loop_cpu(conn) - cpu
    return _loop_result("reminderly claim_batch + complete_messages", done, elapsed, cpu)


def pgmq_loop(url: str, n: int, batch: int, sql: str) -> dict:
    """pgmq.read + pgmq.archive (the array form) from one connection, batches of `batch`."""
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regnamespace('pgmq') IS NULL").fetchone()[0]:
            conn.execute(sql)
        conn.execute("SELECT pgmq.drop_queue('bench') FROM pgmq.meta WHERE queue_name = 'bench'")
        conn.execute("SELECT pgmq.create('bench')")
        conn.execute(
            "SELECT pgmq.send_batch('bench', array_agg(jsonb_build_object('message', i)))"
            " FROM generate_series(1, %s) i",
            [n],
        )
        conn.execute("VACUUM ANALYZE pgmq.q_bench")
        done, start, cpu = 0, time.perf_counter(), _loop_cpu(conn)
        while True:
            ids = [
                r[0]
                for r in conn.execute("SELECT msg_id FROM pgmq.read('bench', 300, %s)", [batch])
            ]
            if not ids:
                break
            conn.execute("SELECT pgmq.archive('bench', %s::bigint[])", [ids])
            done += len(ids)
        elapsed, cpu = time.perf_counter() - start, _loop_cpu(conn) - cpu
    return _loop_result("pgmq read + archive", done, elapsed, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--messages", type=int, default=3000, help="per worker process")
    parser.add_argument("--inflight", type=int, default=128, help=argparse.SUPPRESS)
    parser.add_argument(
        "--inflights",
        type=int,
        nargs="+",
        default=[16, 128],
        help="in-flight windows per process to run with no rate limit",
    )
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--marker-group", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--rates",
        type=float,
        nargs="*",
        default=[200.0],
        help="shared send rates (msg/s) to run under, besides no limit",
    )
    parser.add_argument("--p50-ms", type=float, default=50.0)
    parser.add_argument("--p99-ms", type=float, default=250.0)
    parser.add_argument("--pgmq-sql", type=Path, help="pgmq's pgmq-extension/sql/pgmq.sql")
    parser.add_argument("--queue-messages", type=int, default=20000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.quick:
        args.messages, args.queue_messages = 1000, 4000
    sim = Simulation(args.p50_ms, args.p99_ms)
    pgdata = Path(tempfile.mkdtemp(prefix="sim-bench-")) / "pgdata"
    url = embedded.start(pgdata, database="bench", keep_running=False)
    migrate.migrate(url)
    print(
        json.dumps(
            {
                "p50_ms": sim.p50_ms,
                "p99_ms": sim.p99_ms,
                "mean_ms": round(sim.mean_ms, 1),
                "cores": os.cpu_count(),
                "load_avg": os.getloadavg(),
            }
        ),
        flush=True,
    )
    # the server stops when this process exits (keep_running=False)
    for processes in (1, 2):
        n = args.messages * processes
        for inflight in args.inflights:  # no rate limit: the window (or the CPU) bounds it
            args.inflight = inflight
            print(
                json.dumps(run(url, pgdata, args, processes=processes, n=n, rate=None)),
                flush=True,
            )
        args.inflight = max(args.inflights)
        for rate in args.rates:  # the shared rate as the only brake
            print(
                json.dumps(run(url, pgdata, args, processes=processes, n=n // 2, rate=rate)),
                flush=True,
            )
    # what grouping the send markers saves: one commit per message instead
    print(
        json.dumps(run(url, pgdata, args, processes=1, n=args.messages, rate=None, marker_group=1)),
        flush=True,
    )
    if args.pgmq_sql:
        sql = args.pgmq_sql.read_text()
        results = {"core": [], "pgmq": []}
        for _ in range(3):  # alternated; the best of each kept (the machine is shared)
            results["core"].append(queue_core(url, args.queue_messages, args.batch))
            results["pgmq"].append(pgmq_loop(url, args.queue_messages, args.batch, sql))
        core = sorted(r["per_s"] for r in results["core"])[-1]
        mq = sorted(r["per_s"] for r in results["pgmq"])[-1]
        core_cpu = min(r["cpu_us_per_msg"] for r in results["core"])
        mq_cpu = min(r["cpu_us_per_msg"] for r in results["pgmq"])
        print(
            json.dumps(
                {
                    "queue_core": results["core"],
                    "pgmq": results["pgmq"],
                    "best_core_per_s": core,
                    "best_pgmq_per_s": mq,
                    "core_vs_pgmq": round(core / mq, 2),
                    "core_vs_pgmq_by_cpu": round(mq_cpu / core_cpu, 2),
                }
            ),
            flush=True,
        )
    else:
        print(json.dumps({"pgmq": "skipped: pass --pgmq-sql"}), flush=True)


if __name__ == "__main__":
    main()
