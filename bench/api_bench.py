"""The API benchmark, against gunicorn with the repository's config (2 workers x 4 threads):

1. reads: GET campaign report and GET packet status at a constant 200 requests/s from a
   separate process (locust, headless) for --seconds; p50/p99 and requests/s per endpoint;
2. upload: a CSV packet of --rows rows POSTed over HTTP against the library's direct load of a
   packet of the same size in the same run; rows/s of each and their ratio.

    python bench/api_bench.py              # 60 s of reads, 100,000-row packets
    python bench/api_bench.py --quick      # 15 s, 20,000 rows

Targets (issue 3): reads p99 <= 25 ms at 200 requests/s; HTTP upload >= 0.7x the direct load.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


from flow_bench import OUT, database, log, make_campaigns  # noqa: E402

from app_service import api_keys, campaigns, demo_data, migrate, packets  # noqa: E402
from app_service.packet_source import csv_source  # noqa: E402

ROUNDS = 3
PER_USER = 20
"""Requests/s per simulated client connection: 200 requests/s is 10 keep-alive connections,
about what a load balancer keeps open to one target (locust's own timing, with 50 users of
4 requests/s on these 2 cores, added ~20 ms to even /v1/health; see RESULTS.md)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, **env_extra: str) -> tuple[subprocess.Popen, int]:
    """gunicorn with the repository's config on a free port, once it accepts connections;
    `env_extra` overrides the environment (WEB_CONCURRENCY, ...)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        **env_extra,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:app_service.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "app_service.api:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def upload(port: int, token: str, campaign_id: int, body: bytes) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request(
        "POST",
        f"/v1/campaigns/{campaign_id}/packets",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    response = conn.getresponse()
    payload = json.loads(response.read())
    if response.status != 201:
        raise RuntimeError(f"upload answered {response.status}: {payload}")
    return payload


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        with contextlib.suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return out


def postgres_pids() -> list[int]:
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit()
        and (p / "comm").exists()
        and (p / "comm").read_text().strip().startswith("postgres")
    ]


def read_load(
    port: int, token: str, campaign_id: int, packet_id: int, seconds: int, rps: int
) -> list[dict]:
    users = max(1, rps // PER_USER)
    prefix = OUT / "locust"
    env = {
        **os.environ,
        "BENCH_TOKEN": token,
        "BENCH_CAMPAIGN": str(campaign_id),
        "BENCH_PACKET": str(packet_id),
        "BENCH_RATE_PER_USER": str(PER_USER),
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--reset-stats",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--rps", type=int, default=200)
    args = parser.parse_args()
    seconds = args.seconds or (15 if args.quick else 60)
    rows = args.rows or (20_000 if args.quick else 100_000)

    url = database()
    migrate.migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        account = campaigns.create_account(conn, "API bench", timezone="America/Chicago")
        token = api_keys.create_key(
            conn, account, "bench", ["admin"], rate_limit_per_minute=10**6
        ).token
        *upload_campaigns, read_campaign = make_campaigns(conn, account, 2 * ROUNDS + 1)
        log("loading the campaign the reads report on (200,000 messages)")
        for start in range(0, 100_000, 20_000):
            body = demo_data.sample_csv(seed=10_000_000 + start, rows=20_000)
            packet_id = packets.load_packet(
                conn, read_campaign, csv_source(io.BytesIO(body))
            ).packet_id
        conn.execute("VACUUM ANALYZE")

    proc, port = start_gunicorn(url)
    try:
        # alternate direct and HTTP loads of same-sized packets (distinct content), so both
        # see the same database state and warmth; the median of each is compared
        direct_rates, http_rates = [], []
        for r in range(ROUNDS):
            body = demo_data.sample_csv(seed=1000 + 2 * r, rows=rows)
            with psycopg.connect(url, autocommit=True) as conn:
                t = time.perf_counter()
                done = packets.load_packet(
                    conn, upload_campaigns[2 * r], csv_source(io.BytesIO(body))
                )
                direct_rates.append(done.rows_submitted / (time.perf_counter() - t))
            body = demo_data.sample_csv(seed=1001 + 2 * r, rows=rows)
            t = time.perf_counter()
            over_http = upload(port, token, upload_campaigns[2 * r + 1], body)
            http_rates.append(over_http["rows"]["submitted"] / (time.perf_counter() - t))
            log(
                f"round {r + 1}: direct {direct_rates[-1]:,.0f} rows/s, HTTP {http_rates[-1]:,.0f} rows/s"
            )
        log(f"reads: {args.rps} requests/s for {seconds} s from locust")
        api_pids, pg_pids = process_tree(proc.pid), postgres_pids()
        before = (
            cpu_seconds(api_pids),
            cpu_seconds(pg_pids),
            os.times().children_user + os.times().children_system,
        )
        stats = read_load(port, token, read_campaign, packet_id, seconds, args.rps)
        after = (
            cpu_seconds(api_pids),
            cpu_seconds(pg_pids),
            os.times().children_user + os.times().children_system,
        )
        cpu = {
            name: round((a - b) / seconds, 2)
            for name, a, b in zip(("api", "postgres", "locust"), after, before, strict=True)
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    result = {
        "upload": {
            "rows": rows,
            "rounds": ROUNDS,
            "direct_rows_per_s": round(statistics.median(direct_rates)),
            "http_rows_per_s": round(statistics.median(http_rates)),
            "ratio": round(statistics.median(http_rates) / statistics.median(direct_rates), 2),
        },
        "reads_cpu_cores_used": cpu,
        "reads": {
            r["Name"]: {
                "requests": int(r["Request Count"]),
                "failures": int(r["Failure Count"]),
                "requests_per_s": round(float(r["Requests/s"]), 1),
                "p50_ms": float(r["50%"]),
                "p99_ms": float(r["99%"]),
                "max_ms": round(float(r["Max Response Time"]), 1),
            }
            for r in stats
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
