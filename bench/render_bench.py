"""What bounded rendering costs: per-message render time in jinja2's plain sandbox (before),
in the limited environment in-process, and through the render processes (a batch of 100 per
round trip, as the worker renders, and one job per round trip, as a preview does); and how
long each class of hostile template takes to be refused.

    python bench/render_bench.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jinja2 import StrictUndefined  # noqa: E402
from jinja2.sandbox import SandboxedEnvironment  # noqa: E402

from app_service.template_sandbox import render_many  # noqa: E402
from app_service.template_sandbox.limits import render_text  # noqa: E402
from tests.security.attacks import CLASSES, FIELDS  # noqa: E402

OUT = ROOT / "bench" / "out"
TEMPLATE = (
    "Hi {{ first_name }}, a reminder of your visit {{ appointment_at }} at {{ location }}."
    " Reply C to confirm. {{ survey_url }}"
)
BATCH = 100
ROUNDS = 30


def fields(i: int) -> dict:
    return {
        "first_name": f"Name{i}",
        "appointment_at": "Tue Dec 1 at 10:00 AM",
        "location": "Main St",
        "survey_url": f"https://example.com/r/{i}",
    }


def per_message_us(fn) -> float:
    """The best of ROUNDS runs of one batch, per message, in microseconds."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return round(best / BATCH * 1e6, 1)


def main() -> None:
    plain = SandboxedEnvironment(undefined=StrictUndefined).from_string(TEMPLATE)
    batch = [(TEMPLATE, fields(i)) for i in range(BATCH)]
    render_many(batch[:1])  # start a render process
    result = {
        "plain_sandbox_in_process_us": per_message_us(
            lambda: [plain.render(**f) for _, f in batch]
        ),
        "limited_in_process_us": per_message_us(lambda: [render_text(s, f) for s, f in batch]),
        "pool_batch_of_100_us": per_message_us(lambda: render_many(batch)),
        "pool_one_per_round_trip_us": per_message_us(lambda: [render_many([job]) for job in batch]),
    }
    refusals = {}
    for name, payloads in CLASSES.items():
        times = []
        for p in payloads:
            started = time.perf_counter()
            render_many([(p + f"{{# {time.time_ns()} #}}", FIELDS)])  # defeat the quarantine
            times.append(time.perf_counter() - started)
        refusals[name] = {
            "max_s": round(max(times), 3),
            "median_s": round(statistics.median(times), 3),
        }
    result["refusal_seconds"] = refusals
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "render.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
