"""`reminderly load` and `reminderly packet`: load a packet into a campaign, look at one,
cancel one; the load summary as people read it."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from app_service import packet_state, packets
from app_service.cli.common import ROW_ID, CliError, connect, friendly_errors
from app_service.models import Snapshot
from app_service.packet_source import file_source


@click.command("load")
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
    "--snapshot-location",
    "snapshot_locations",
    multiple=True,
    help="Limit the snapshot's scope to this location id (repeatable).",
)
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
        connect() as conn,
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
        status = None if dry_run else packet_state.packet_status(conn, result.packet_id)
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
            print_summary(result.preview)
        return
    assert status is not None
    if as_json:
        click.echo(
            json.dumps(
                packet_state.summary(status) | {"created": result.created}, default=str, indent=2
            )
        )
    else:
        if not result.created:
            click.echo(
                f"packet {result.packet_id} already holds this content; nothing loaded again"
            )
        print_summary(packet_state.summary(status))
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


def print_summary(s: dict[str, Any]) -> None:
    """The load summary (packet_state.summary) for people."""
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


@click.group("packet")
def packet_group() -> None:
    """Look at a packet."""


@packet_group.command("status")
@click.argument("packet_id", type=ROW_ID)
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def packet_status_cmd(packet_id: int, as_json: bool) -> None:
    """A packet's state, row counts and message counts."""
    with connect() as conn:
        status = packet_state.packet_status(conn, packet_id)
    if status is None:
        raise CliError(f"packet {packet_id} does not exist")
    if as_json:
        click.echo(json.dumps(packet_state.summary(status), default=str, indent=2))
    else:
        print_summary(packet_state.summary(status))


@packet_group.command("errors")
@click.argument("packet_id", type=ROW_ID)
@click.option("--after", type=int, default=0, help="Show rows after this row number.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50)
@friendly_errors
def packet_errors_cmd(packet_id: int, after: int, limit: int) -> None:
    """A packet's rejected rows: row number, column, reason."""
    with connect() as conn:
        found = packet_state.row_errors(conn, packet_id, after=after, limit=limit)
    for e in found:
        click.echo(f"row {e.row_no}: " + "; ".join(f"{i.column} {i.reason}" for i in e.errors))
    if not found:
        click.echo("no rejected rows" if after == 0 else "no more rejected rows")


@packet_group.command("cancel")
@click.argument("packet_id", type=ROW_ID)
@friendly_errors
def packet_cancel_cmd(packet_id: int) -> None:
    """Cancel a packet's pending messages."""
    with connect() as conn:
        n = packets.cancel_packet(conn, packet_id)
    click.echo(f"cancelled {n} pending messages")
