"""Read load for bench/api_bench.py: the campaign report and the packet status, half each, at
a constant rate per user (users x rate = the target requests/s)."""

import os

from locust import FastHttpUser, constant_throughput, task

TOKEN = os.environ["BENCH_TOKEN"]
CAMPAIGN = os.environ["BENCH_CAMPAIGN"]
PACKET = os.environ["BENCH_PACKET"]
PER_USER = float(os.environ.get("BENCH_RATE_PER_USER", "4"))


class Reader(FastHttpUser):
    wait_time = constant_throughput(PER_USER)
    default_headers = {"Authorization": f"Bearer {TOKEN}"}  # noqa: RUF012 (locust's API)

    @task
    def campaign_report(self) -> None:
        self.client.get(f"/v1/campaigns/{CAMPAIGN}/report", name="GET campaign report")

    @task
    def packet_status(self) -> None:
        self.client.get(f"/v1/packets/{PACKET}", name="GET packet status")
