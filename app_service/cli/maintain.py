"""`reminderly maintain`: PII retention, statistics, interrupted loads, event and audit
retention."""

from __future__ import annotations

from datetime import timedelta

import click

from app_service import api_keys, customers, dispatch_queue, events
from app_service.cli.common import connect, friendly_errors
from app_service.people import audit


@click.group("maintain")
def maintain_group() -> None:
    """Maintenance: PII retention, statistics, interrupted loads."""


@maintain_group.command("purge-pii")
@click.option("--days", type=click.IntRange(1), required=True, help="Retention in days.")
@friendly_errors
def purge_pii_cmd(days: int) -> None:
    """Erase personal data of customers not seen for --days, and raw rows of older packets."""
    with connect() as conn:
        purged, deleted = customers.purge_pii(conn, timedelta(days=days))
    click.echo(f"purged {purged} customers, deleted {deleted} raw packet rows")


@maintain_group.command("analyze")
@friendly_errors
def analyze_cmd() -> None:
    """Refresh planner statistics of the hot tables."""
    with connect() as conn:
        dispatch_queue.analyze_hot_tables(conn)
    click.echo("analyzed")


@maintain_group.command("purge-api-records")
@friendly_errors
def purge_api_records_cmd() -> None:
    """Drop idempotency records past their 24 hours and spent rate windows."""
    with connect() as conn:
        n = api_keys.purge_expired_records(conn)
    click.echo(f"deleted {n} expired idempotency records")


@maintain_group.command("fail-stale-packets")
@click.option("--minutes", type=click.IntRange(1), default=60, show_default=True)
@friendly_errors
def fail_stale_cmd(minutes: int) -> None:
    """Fail packets whose load was interrupted more than --minutes ago."""
    with connect() as conn:
        n = dispatch_queue.fail_stale_loads(conn, timedelta(minutes=minutes))
    click.echo(f"failed {n} interrupted packets")


@maintain_group.command("purge-events")
@click.option(
    "--days",
    type=click.FloatRange(min=1),
    help="Retention (default 30, or REMINDERLY_EVENT_RETENTION_DAYS).",
)
@friendly_errors
def purge_events_cmd(days: float | None) -> None:
    """Delete events, finished webhook deliveries and attempts past retention."""
    with connect() as conn:
        n = events.purge(conn, timedelta(days=days) if days else None)
    click.echo(f"deleted {n} events")


@maintain_group.command("purge-audit")
@friendly_errors
def purge_audit_cmd() -> None:
    """Delete audit-log entries older than each account's retention setting."""
    with connect() as conn:
        click.echo(f"deleted {audit.purge(conn)} audit entries")
