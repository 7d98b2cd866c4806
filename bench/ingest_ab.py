"""Packet ingest, this checkout against another commit, in one run (A/B, interleaved).

    git worktree add ../reminderly-before <commit>
    .venv/bin/python bench/ingest_ab.py --before ../reminderly-before --rounds 3

Each round runs the same workload with each code base in its own process and its own fresh
database (a fresh embedded PostgreSQL each, or, with AB_SERVER_URL, a new database on that one
server, so both variants run on the same server version): 1,000 packets of 100 rows (5% invalid) for as many reminder campaigns
with two steps (flow_bench's ingest), loaded by 1 and then 2 loader processes. The variants
alternate within each round, so a change of load on the machine hits both. Prints one JSON
line per measurement and a summary (median rows/s per variant and loader count).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKLOAD = r"""
import io, json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, ".")
sys.path.insert(0, "bench")
import psycopg
from app_service import campaigns, embedded, migrate
from flow_bench import ingest, make_campaigns

n, loaders_list = int(sys.argv[1]), [int(x) for x in sys.argv[2].split(",")]
import os
from psycopg.conninfo import make_conninfo
if os.environ.get("AB_SERVER_URL"):  # one server for both variants: a new database per run
    name = f"ingest_ab_{os.getpid()}"
    with psycopg.connect(os.environ["AB_SERVER_URL"], autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = make_conninfo(os.environ["AB_SERVER_URL"], dbname=name)
else:
    folder = Path(tempfile.mkdtemp(prefix="ingest-ab-"))
    url = embedded.start(folder / "pgdata", database="bench", keep_running=False)
migrate.migrate(url)
with psycopg.connect(url, autocommit=True) as conn:
    account = campaigns.create_account(conn, "Bench", timezone="America/Chicago")
    ids = make_campaigns(conn, account, n)
seed = 0
for loaders in loaders_list:
    jobs = [(ids[i % len(ids)], seed + i, 100, 20) for i in range(n)]
    seed += n
    r = ingest(url, jobs, loaders)
    print(json.dumps({"loaders": loaders, **r}), flush=True)
"""


def run(code_root: Path, packets: int, loaders: str) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", WORKLOAD, str(packets), loaders],
        cwd=code_root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the other commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--packets", type=int, default=1000)
    args = parser.parse_args()
    results: dict[tuple[str, int], list[float]] = {}
    for round_no in range(args.rounds):
        order = [("before", args.before.resolve()), ("after", ROOT)]
        if round_no % 2:
            order.reverse()
        for name, root in order:
            for r in run(root, args.packets, "1,2"):
                print(json.dumps({"variant": name, "round": round_no, **r}), flush=True)
                results.setdefault((name, r["loaders"]), []).append(r["rows_per_s"])
    for loaders in (1, 2):
        before = statistics.median(results[("before", loaders)])
        after = statistics.median(results[("after", loaders)])
        print(
            f"{loaders} loader(s): before {before:,.0f} rows/s, after {after:,.0f} rows/s, "
            f"after/before {after / before:.3f}"
        )


if __name__ == "__main__":
    main()
