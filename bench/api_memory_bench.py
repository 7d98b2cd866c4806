"""What the API holds in memory: the compiled OpenAPI contract built as it is now (each
validator carries the component schemas it reaches) against the way it was built before (each
carrying all of them), in one process each; then the resident memory of a real gunicorn
serving the API (the stage's WEB_CONCURRENCY workers) after a few requests, against the API
task's memory limit in cdk/config.py.

    .venv/bin/python bench/api_memory_bench.py
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def rss_mib(pid: int | str = "self") -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def contract_child(mode: str) -> None:
    """One Contract built in this process: its resident memory and build time, as JSON."""
    from app_service.api import contract

    if mode == "all-components":  # the build before: every schema in every validator
        contract.Contract._reached = lambda self, schema: self._components.get("schemas", {})
    contract.bundled()  # the YAML read and bundled before the clock: both modes share it
    before, start = rss_mib(), time.perf_counter()
    built = contract.Contract()
    print(
        json.dumps(
            {
                "contract": mode,
                "validators": sum(
                    len(op.params) + len(op.body) + sum(len(r) for r in op.responses.values())
                    for op in built._operations.values()
                ),
                "resident_mib": round(rss_mib() - before, 1),
                "build_s": round(time.perf_counter() - start, 2),
            }
        )
    )


def gunicorn_rss(workers: int) -> dict:
    """Resident memory of gunicorn serving the API with `workers` processes, after requests."""
    from api_bench import start_gunicorn

    from app_service import embedded, migrate
    from cdk.config import STAGES

    pgdata = Path(tempfile.mkdtemp(prefix="api-mem-")) / "pgdata"
    url = embedded.start(pgdata, database="bench", keep_running=False)
    migrate.migrate(url)
    server, port = start_gunicorn(url, WEB_CONCURRENCY=str(workers), REMINDERLY_LINK_SECRET="bench")
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):  # every worker has served (and built its app)
            for path in ("/v1/health", "/v1/openapi.json", "/v1/campaigns"):
                with contextlib.suppress(OSError):  # a 401 without a key is served all the same
                    urllib.request.urlopen(base + path, timeout=5)
        # the workers: the master's own children (not their render processes)
        children = [
            int(c)
            for c in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        ]
        per_worker = [round(rss_mib(c), 1) for c in children]
        limits = {name: stage.api_memory_mib for name, stage in STAGES.items()}
        return {
            "gunicorn_workers": workers,
            "master_mib": round(rss_mib(server.pid), 1),
            "worker_mib": per_worker,
            "total_mib": round(rss_mib(server.pid) + sum(per_worker), 1),
            "api_task_limit_mib": limits,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--contract":
        contract_child(sys.argv[2])
        return
    for mode in ("reached-components", "all-components"):
        out = subprocess.run(
            [sys.executable, __file__, "--contract", mode],
            capture_output=True,
            text=True,
            check=True,
        )
        print(out.stdout.strip(), flush=True)
    print(json.dumps(gunicorn_rss(workers=2)), flush=True)


if __name__ == "__main__":
    main()
