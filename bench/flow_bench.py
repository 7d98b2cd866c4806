"""The data-flow benchmark: ingest, dispatch queue, reports and loader memory, in one run.

    python bench/flow_bench.py                # the full run recorded in bench/RESULTS.md
    python bench/flow_bench.py --quick        # a small smoke run (seconds)

It starts a private embedded PostgreSQL in bench/out/ (or uses DATABASE_URL), and measures:
1. raw COPY of the same rows into a logged table with a primary key and one index;
2. packet ingest (load + validate + plan) of 100, 1,000 and 10,000 packets of 100 rows with
   two schedule steps, over as many campaigns (10,000 for the largest), with 1 and 2 loaders;
3. claim + complete with 1 and 2 worker processes, against a bare SKIP LOCKED claim/ack loop
   and against procrastinate (defer + process) on the same database;
4. campaign report latency (p50/p95/p99) at 10k, 100k and 1M messages;
5. the loader's peak memory for a 100k-row and a 1M-row CSV file;
and at the end checks that no message was lost or duplicated. Results: bench/out/*.json.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app_service import campaigns, demo_data, embedded, migrate, packet_state, packets  # noqa: E402
from app_service import dispatch_queue as dq  # noqa: E402
from app_service.models import CampaignSpec, Step  # noqa: E402
from app_service.packet_source import csv_source, file_source  # noqa: E402

OUT = ROOT / "bench" / "out"
BATCH = 100


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


# --- setup ------------------------------------------------------------------------------------


def database() -> str:
    if os.environ.get("DATABASE_URL"):
        url = os.environ["DATABASE_URL"]
    else:
        OUT.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="pg-", dir=OUT))
        url = embedded.start(folder / "pgdata", database="bench", keep_running=False)
    migrate.migrate(url)
    return url


def make_campaigns(conn: psycopg.Connection, account: int, n: int) -> list[int]:
    steps = [
        Step("48 hours before", timedelta(hours=-48), "Hi {{ first_name }}"),
        Step("2 hours before", timedelta(hours=-2), "Soon, {{ first_name }}"),
    ]
    ids = []
    for i in range(n):
        spec = CampaignSpec(
            account,
            f"bench {i}",
            "reminder",
            "sms",
            steps,
            send_window_start=dtime(0, 0),
            send_window_end=dtime.max,
        )
        cid = campaigns.create_campaign(conn, spec)
        campaigns.set_status(conn, cid, "active")
        ids.append(cid)
    return ids


# --- ingest -----------------------------------------------------------------------------------


def _loader(url: str, jobs: list[tuple[int, int, int, int]], barrier, results) -> None:
    """Load (campaign, seed, rows, bad_every) packets; bodies are built before the barrier."""
    bodies = [(c, demo_data.sample_csv(seed=s, rows=r, bad_every=b)) for c, s, r, b in jobs]
    with psycopg.connect(url, autocommit=True) as conn:
        barrier.wait()
        rows = 0
        for campaign_id, body in bodies:
            result = packets.load_packet(conn, campaign_id, csv_source(io.BytesIO(body)))
            assert result.status == "ready", result
            rows += result.rows_submitted
        results.put(rows)


def in_parallel(target, args_per_process: list[tuple]) -> tuple[int, float]:
    """Start one process per args tuple (each gets a start barrier and a result queue after
    its args), release them together, and time them until the last has reported its count."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(len(args_per_process) + 1), ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(*args, barrier, results)) for args in args_per_process
    ]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.perf_counter()
    total = sum(results.get() for _ in procs)
    elapsed = time.perf_counter() - start
    for p in procs:
        p.join()
        assert p.exitcode == 0
    return total, elapsed


def ingest(url: str, jobs: list[tuple[int, int, int, int]], loaders: int) -> dict:
    total, elapsed = in_parallel(_loader, [(url, jobs[i::loaders]) for i in range(loaders)])
    return {"rows": total, "seconds": round(elapsed, 2), "rows_per_s": round(total / elapsed)}


def raw_copy(url: str, n_rows: int) -> dict:
    """The ceiling: the same rows COPYed into a logged table with a primary key and one index."""
    rows = []
    seed = 0
    while len(rows) < n_rows:
        for r in csv_source(
            io.BytesIO(demo_data.sample_csv(seed=seed, rows=100, bad_every=20))
        ).rows():
            rows.append((seed, *r[:12]))
        seed += 1
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw_rows")
        conn.execute(
            "CREATE TABLE bench_raw_rows (packet_id bigint, row_no int, customer_id text, first_name text,"
            " last_name text, phone text, email text, timezone text, appointment_id text,"
            " appointment_at text, status text, location_id text, extra jsonb, PRIMARY KEY (packet_id, row_no))"
        )
        conn.execute("CREATE INDEX ON bench_raw_rows (customer_id)")
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY bench_raw_rows FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_raw_rows")
    return {
        "rows": len(rows),
        "seconds": round(elapsed, 2),
        "rows_per_s": round(len(rows) / elapsed),
    }


# --- dispatch ---------------------------------------------------------------------------------


def _worker(url: str, name: str, barrier, results) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        barrier.wait()
        done = 0
        while True:
            batch = dq.claim(conn, name, limit=BATCH)
            if not batch:
                break
            done += len(dq.complete(conn, name, [m.id for m in batch]))
        results.put(done)


_BARE_CLAIM = """
WITH c AS (SELECT id FROM bench_queue WHERE status = 'ready' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
UPDATE bench_queue q SET status = 'claimed', owner = %s FROM c WHERE q.id = c.id RETURNING q.id
"""
_BARE_ACK = "UPDATE bench_queue SET status = 'done' WHERE id = ANY(%s) AND owner = %s"


def _bare_worker(url: str, name: str, barrier, results) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        barrier.wait()
        done = 0
        while True:
            ids = [r[0] for r in conn.execute(_BARE_CLAIM, [BATCH, name])]
            if not ids:
                break
            done += conn.execute(_BARE_ACK, [ids, name]).rowcount
        results.put(done)


def run_workers(url: str, target, n: int) -> dict:
    done, elapsed = in_parallel(target, [(url, f"bench-{i}") for i in range(n)])
    return {"messages": done, "seconds": round(elapsed, 2), "per_s": round(done / elapsed)}


def make_ready(conn: psycopg.Connection, campaign_ids: list[int]) -> dict:
    """Only these campaigns active, their scheduled messages due now; mark_ready them all."""
    conn.execute(
        "UPDATE campaigns SET status = CASE WHEN id = ANY(%s) THEN 'active' ELSE 'paused' END",
        [campaign_ids],
    )
    conn.execute(
        "UPDATE messages SET send_at = now() - interval '1 second' "
        "WHERE campaign_id = ANY(%s) AND status = 'scheduled'",
        [campaign_ids],
    )
    start, total = time.perf_counter(), 0
    while n := dq.mark_ready(conn, 10_000):
        total += n
    elapsed = time.perf_counter() - start
    conn.execute("VACUUM ANALYZE messages")
    return {
        "messages": total,
        "seconds": round(elapsed, 2),
        "per_s": round(total / max(elapsed, 1e-9)),
    }


def bare_queue(url: str, n: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_queue")
        conn.execute(
            "CREATE TABLE bench_queue (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " status text NOT NULL DEFAULT 'ready', owner text)"
        )
        conn.execute("CREATE INDEX ON bench_queue (id) WHERE status = 'ready'")
        conn.execute(
            "INSERT INTO bench_queue (status) SELECT 'ready' FROM generate_series(1, %s)", [n]
        )
        conn.execute("VACUUM ANALYZE bench_queue")


def procrastinate_run(url: str, n_jobs: int, concurrency: int) -> dict:
    """procrastinate's own defer and worker (a no-op task) on the same database."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    @app.task(name="noop", queue="bench")
    def noop(i: int) -> None:
        return None

    with app.open():
        with psycopg.connect(url) as conn:
            applied = conn.execute(
                "SELECT to_regclass('procrastinate_jobs') IS NOT NULL"
            ).fetchone()[0]
        if not applied:
            app.schema_manager.apply_schema()
        start = time.perf_counter()
        for i in range(0, n_jobs, 1000):
            noop.batch_defer(*({"i": j} for j in range(i, min(i + 1000, n_jobs))))
        defer_s = time.perf_counter() - start
        start = time.perf_counter()
        app.run_worker(
            queues=["bench"], wait=False, concurrency=concurrency, install_signal_handlers=False
        )
        run_s = time.perf_counter() - start
    with psycopg.connect(url) as conn:
        (done,) = conn.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'bench' AND status = 'succeeded'"
        ).fetchone()
        conn.execute("DELETE FROM procrastinate_jobs WHERE queue_name = 'bench'")
    return {
        "jobs": done,
        "concurrency": concurrency,
        "defer_per_s": round(n_jobs / defer_s),
        "process_seconds": round(run_s, 2),
        "per_s": round(done / run_s),
    }


# --- reports and memory -----------------------------------------------------------------------


def report_latency(conn: psycopg.Connection, campaign_id: int, calls: int = 2000) -> dict:
    for _ in range(50):
        campaigns.campaign_counts(conn, campaign_id)
    samples = []
    for _ in range(calls):
        t = time.perf_counter()
        campaigns.campaign_counts(conn, campaign_id)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    q = statistics.quantiles(samples, n=100)
    messages = sum(campaigns.campaign_counts(conn, campaign_id).values())
    return {
        "messages": messages,
        "p50_ms": round(q[49], 3),
        "p95_ms": round(q[94], 3),
        "p99_ms": round(q[98], 3),
    }


def loader_memory(url: str, campaign_id: int, rows: int) -> dict:
    path = OUT / f"memory-{rows}.csv"
    with path.open("wb") as fh:
        seed = 10_000_000
        for start in range(0, rows, 10_000):
            body = demo_data.sample_csv(
                seed=seed + start, rows=min(10_000, rows - start), bad_every=50
            )
            fh.write(body if start == 0 else body.split(b"\n", 1)[1])
    probe = subprocess.run(
        [sys.executable, __file__, "--memory-probe", str(path), str(campaign_id)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    size = path.stat().st_size
    path.unlink()
    return {"rows": rows, "file_mb": round(size / 2**20, 1), **result}


def memory_probe(path: str, campaign_id: int) -> None:
    source, handle = file_source(Path(path))
    start = time.perf_counter()
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn, handle:
        result = packets.load_packet(conn, campaign_id, source)
        stages = packet_state.packet_status(conn, result.packet_id).stage_seconds
    elapsed = time.perf_counter() - start
    # VmHWM: this process's own peak RSS. (ru_maxrss would carry over the peak of the
    # benchmark process that forked it: Linux keeps it across exec.)
    status = Path("/proc/self/status").read_text()
    peak_mb = (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
        / 1024
    )
    print(
        json.dumps(
            {
                "peak_rss_mb": round(peak_mb, 1),
                "status": result.status,
                "rows_accepted": result.rows_accepted,
                "seconds": round(elapsed, 1),
                "stage_seconds": {k: round(v, 2) for k, v in stages.items()},
            }
        )
    )


# --- the run ----------------------------------------------------------------------------------


def integrity(conn: psycopg.Connection) -> dict:
    planned = conn.execute("SELECT coalesce(sum(messages_planned), 0) FROM packets").fetchone()[0]
    messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    dupes = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM messages GROUP BY campaign_id, appointment_id, step, customer_id"
        " HAVING count(*) > 1) d"
    ).fetchone()[0]
    rollup_mismatches = len(conn.execute("SELECT * FROM check_rollups()").fetchall())
    orphans = sum(r[1] for r in conn.execute("SELECT * FROM check_references()"))
    rows = conn.execute(
        "SELECT coalesce(sum(rows_submitted), 0), coalesce(sum(rows_accepted + rows_rejected), 0) FROM packets"
    ).fetchone()
    return {
        "messages": messages,
        "messages_planned": planned,
        "lost": planned - messages,
        "duplicates": dupes,
        "rollup_mismatches": rollup_mismatches,
        "orphans": orphans,
        "rows_submitted": rows[0],
        "rows_accounted": rows[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument(
        "--memory-probe", nargs=2, metavar=("FILE", "CAMPAIGN"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(args.memory_probe[0], int(args.memory_probe[1]))
        return

    sizes = [10, 50] if args.quick else [100, 1000, 10_000]
    report_sizes = [2_000, 10_000] if args.quick else [10_000, 100_000, 1_000_000]
    memory_rows = [2_000, 20_000] if args.quick else [100_000, 1_000_000]
    queue_n = 5_000 if args.quick else 200_000
    results: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {"cpus": os.cpu_count()},
    }

    url = database()
    conn = psycopg.connect(url, autocommit=True)
    results["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
    account = campaigns.create_account(conn, "Bench", timezone="America/Chicago")

    log(f"creating {max(sizes)} campaigns")
    start = time.perf_counter()
    all_campaigns = make_campaigns(conn, account, max(sizes))
    results["campaigns_created_per_s"] = round(len(all_campaigns) / (time.perf_counter() - start))

    log(f"raw COPY of {max(sizes) * 100} rows")
    results["raw_copy"] = raw_copy(url, max(sizes) * 100)

    results["ingest"] = []
    seed = 0
    for n in sizes:
        for loaders in (1, 2):
            if loaders == 1 and n == max(sizes) and not args.quick:
                continue  # the largest size runs with both cores only (time)
            jobs = [(all_campaigns[i % len(all_campaigns)], seed + i, 100, 20) for i in range(n)]
            seed += n
            log(f"ingest {n} packets x 100 rows, {loaders} loader(s)")
            r = ingest(url, jobs, loaders)
            r.update(packets=n, loaders=loaders, campaigns=min(n, len(all_campaigns)))
            results["ingest"].append(r)
            log(f"  {r['rows_per_s']} rows/s")
    conn.execute("VACUUM ANALYZE")

    # dispatch: two slices of campaigns made ready, one for 1 worker, one for 2
    results["dispatch"] = []
    per_campaign = conn.execute(
        "SELECT count(*) FROM messages WHERE status = 'scheduled'"
    ).fetchone()[0] / len(all_campaigns)
    take = max(1, int(queue_n / max(per_campaign, 1)))
    slices = [all_campaigns[:take], all_campaigns[take : 2 * take]]
    for workers, slice_ in zip((1, 2), slices, strict=True):
        ready = make_ready(conn, slice_)
        log(f"claim + complete of {ready['messages']} messages, {workers} worker(s)")
        r = run_workers(url, _worker, workers)
        r.update(workers=workers, mark_ready_per_s=ready["per_s"])
        results["dispatch"].append(r)
        log(f"  {r['per_s']} messages/s")
    results["bare_loop"] = []
    for workers in (1, 2):
        bare_queue(url, queue_n)
        log(f"bare SKIP LOCKED loop, {workers} worker(s)")
        r = run_workers(url, _bare_worker, workers)
        r.update(workers=workers)
        results["bare_loop"].append(r)
        log(f"  {r['per_s']} messages/s")
    n_jobs = 2_000 if args.quick else 10_000
    log(f"procrastinate: {n_jobs} jobs")
    results["procrastinate"] = procrastinate_run(url, n_jobs, concurrency=2)
    log(f"  {results['procrastinate']['per_s']} jobs/s")

    # report latency at growing campaign sizes (2 messages per row)
    results["report"] = []
    big = make_campaigns(conn, account, len(report_sizes) + 1)
    for size, campaign_id in zip(report_sizes, big, strict=False):
        rows = size // 2
        jobs = [
            (campaign_id, 50_000_000 + size + i, min(10_000, rows - i), 0)
            for i in range(0, rows, 10_000)
        ]
        log(f"campaign with {size} messages: loading {rows} rows")
        ingest(url, jobs, 2)
        r = report_latency(conn, campaign_id)
        results["report"].append(r)
        log(f"  p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms")

    results["loader_memory"] = []
    for rows in memory_rows:
        log(f"loader memory, {rows}-row CSV")
        r = loader_memory(url, big[-1], rows)
        results["loader_memory"].append(r)
        log(f"  peak {r['peak_rss_mb']} MB")

    log("integrity checks")
    results["integrity"] = integrity(conn)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / f"flow-{'quick' if args.quick else 'full'}.json"
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    ok = results["integrity"]
    if (
        ok["lost"]
        or ok["duplicates"]
        or ok["rollup_mismatches"]
        or ok["orphans"]
        or (ok["rows_submitted"] != ok["rows_accounted"])
    ):
        sys.exit("integrity check failed")


if __name__ == "__main__":
    main()
