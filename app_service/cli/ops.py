"""`reminderly ops ...`: the commands the runbooks call for."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import click

from app_service import sending_control as queue
from app_service.cli.common import CliError, friendly_errors, settings
from app_service.ops import aws

STAGES = ("dev", "staging", "prod")


def _aws_client(service: str, region: str | None):
    import boto3

    return boto3.client(service, region_name=region or settings().aws_region or "us-east-1")


def connect():
    """A stage's database: ops commands never start the embedded one or migrate anything."""
    import psycopg

    url = settings().database_url
    if url is None:
        raise CliError(
            "ops commands act on a stage's database: set DATABASE_URL (or PGHOST and the "
            "other PG* variables), or run them in the stage with scripts/stage-run.sh"
        )
    return psycopg.connect(url, autocommit=True)


@click.group("ops")
def ops_group() -> None:
    """On-call operations: status, pausing, replays, workers, OpsItems."""


stage_option = click.option("--stage", type=click.Choice(STAGES), required=True)
region_option = click.option("--region", help="AWS region of the stage [env AWS_REGION].")


@ops_group.command("status")
@stage_option
@region_option
@click.option("--no-aws", is_flag=True, help="Only the database (no AWS credentials at hand).")
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def status(stage: str, region: str | None, no_aws: bool, as_json: bool) -> None:
    """Alarms in ALARM, open OpsItems, the queue (oldest ready message, dead, workers) and
    any sending pause. Read-only."""
    with connect() as conn:
        out: dict = {"stage": stage, "queue": queue.health(conn), "pauses": queue.pauses(conn)}
    if not no_aws:
        out["alarms"] = aws.alarms_in_alarm(_aws_client("cloudwatch", region), stage)
        out["ops_items"] = aws.open_ops_items(_aws_client("ssm", region), stage)
    if as_json:
        click.echo(json.dumps(out, default=str, indent=2))
        return
    q = out["queue"]
    click.echo(
        f"queue: oldest ready {q['oldest_ready_seconds']:.0f} s, {q['ready']} ready, "
        f"{q['leased']} leased ({q['expired_leases']} expired), {q['retrying']} retrying, "
        f"{q['dead']} dead; {q['workers_alive']} workers alive"
    )
    for p in out["pauses"]:
        click.echo(
            f"PAUSED {p['scope']}: {p['reason']} ({p['paused_by']}, {p['paused_at']:%Y-%m-%d %H:%M} UTC)"
        )
    if not no_aws:
        click.echo(f"alarms in ALARM: {len(out['alarms'])}")
        for a in out["alarms"]:
            click.echo(f"  {a['name']}: {a['reason'][:120]}  runbook: {a['runbook']}")
        click.echo(f"open OpsItems: {len(out['ops_items'])}")
        for item in out["ops_items"]:
            click.echo(f"  {item['id']} [{item['status']}] {item['title']}")


scope_option = click.option(
    "--channel",
    type=click.Choice(["sms", "email"]),
    help="Only this channel (default: all sending).",
)
campaign_option = click.option("--campaign", "campaign_id", type=int, help="Only this campaign.")


@ops_group.command("pause")
@scope_option
@campaign_option
@click.option("--reason", required=True, help="Why (shown by ops status and kept).")
@friendly_errors
def pause(channel: str | None, campaign_id: int | None, reason: str) -> None:
    """Stop sending at once: everything, one channel, or one campaign. Messages already
    handed to a worker's batch finish; nothing else is claimed until resume."""
    with connect() as conn:
        if campaign_id is not None:
            queue.pause_campaign(conn, campaign_id)
            click.echo(f"campaign {campaign_id} paused")
            return
        queue.pause(conn, channel or "all", reason)
    click.echo(f"sending paused: {channel or 'all'}")


@ops_group.command("resume")
@scope_option
@campaign_option
@friendly_errors
def resume(channel: str | None, campaign_id: int | None) -> None:
    """Undo a pause (the same scope as it was given)."""
    with connect() as conn:
        if campaign_id is not None:
            queue.resume_campaign(conn, campaign_id)
            click.echo(f"campaign {campaign_id} active")
            return
        if not queue.resume(conn, channel or "all"):
            raise CliError(f"{channel or 'all'} sending was not paused")
    click.echo(f"sending resumed: {channel or 'all'}")


@ops_group.command("replay-dead")
@campaign_option
@click.option(
    "--since-hours", type=click.IntRange(1), help="Only messages that died in the last N hours."
)
@click.option("--error", help="Only messages whose last error contains this text.")
@click.option("--dry-run", is_flag=True, help="Count what would be replayed; change nothing.")
@friendly_errors
def replay_dead(
    campaign_id: int | None, since_hours: int | None, error: str | None, dry_run: bool
) -> None:
    """Put dead messages back in the queue (attempts start again; opt-outs still apply)."""
    since = datetime.now(UTC) - timedelta(hours=since_hours) if since_hours else None
    with connect() as conn:
        n = queue.replay_dead(
            conn, campaign_id=campaign_id, since=since, error=error, dry_run=dry_run
        )
    click.echo(f"{n} dead messages {'would be' if dry_run else 'were'} replayed")


@ops_group.command("reclaim-leases")
@friendly_errors
def reclaim_leases() -> None:
    """Return expired leases now (workers do it every tick; use when none is running)."""
    from app_service import dispatch_queue

    with connect() as conn:
        n = dispatch_queue.reclaim_expired_leases(conn)
    click.echo(f"reclaimed {n} expired leases")


@ops_group.command("workers")
@friendly_errors
def workers() -> None:
    """Workers seen in the last day: state, last heartbeat, counts."""
    with connect() as conn:
        found = queue.workers(conn)
    for w in found:
        drain = " drain requested" if w["drain_requested_at"] else ""
        click.echo(
            f"{w['worker']}  {w['state']:<8} beat {w['beat_at']:%H:%M:%S}  "
            f"sent {w['sent']} failed {w['failed']}{drain}"
        )
    if not found:
        click.echo("no workers seen in the last day")


@ops_group.command("drain-worker")
@click.argument("worker")
@friendly_errors
def drain_worker(worker: str) -> None:
    """Ask one worker (its name from `ops workers`) to stop claiming, hand back what it
    holds and exit, at its next heartbeat."""
    with connect() as conn:
        if not queue.drain(conn, worker):
            raise CliError(f"no running worker named {worker}")
    click.echo(f"drain requested: {worker}")


@ops_group.group("opsitems")
def opsitems() -> None:
    """OpsCenter OpsItems opened by the stage's alarms."""


@opsitems.command("list")
@stage_option
@region_option
@friendly_errors
def list_items(stage: str, region: str | None) -> None:
    """Open and in-progress OpsItems of the stage."""
    items = aws.open_ops_items(_aws_client("ssm", region), stage)
    for item in items:
        click.echo(f"{item['id']}  [{item['status']}]  {item['title']}")
    if not items:
        click.echo("no open OpsItems")


@opsitems.command("ack")
@click.argument("ops_item_id")
@click.option("--note", required=True)
@region_option
@friendly_errors
def ack(ops_item_id: str, note: str, region: str | None) -> None:
    """Take an OpsItem (status InProgress) with a note."""
    aws.acknowledge_ops_item(_aws_client("ssm", region), ops_item_id, note, queue.operator())
    click.echo(f"{ops_item_id}: in progress")


@opsitems.command("resolve")
@click.argument("ops_item_id")
@click.option("--note", required=True, help="What was wrong and what fixed it.")
@region_option
@friendly_errors
def resolve(ops_item_id: str, note: str, region: str | None) -> None:
    """Close an OpsItem (status Resolved) with a note."""
    aws.resolve_ops_item(_aws_client("ssm", region), ops_item_id, note, queue.operator())
    click.echo(f"{ops_item_id}: resolved")
