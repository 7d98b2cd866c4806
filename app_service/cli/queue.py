"""`reminderly tick` and `reminderly outbox`: the queue's housekeeping by hand, and what the
local outbox channel holds."""

from __future__ import annotations

import click

from app_service import dispatch_queue, outbox
from app_service.cli.common import connect, friendly_errors


@click.command("tick")
@friendly_errors
def tick() -> None:
    """One pass of the queue's housekeeping: reclaim expired leases, mark due messages ready,
    advance packet states."""
    with connect() as conn:
        reclaimed = dispatch_queue.reclaim_expired_leases(conn)
        ready = dispatch_queue.mark_ready(conn)
        advanced = dispatch_queue.refresh_packet_states(conn)
    click.echo(
        f"reclaimed {reclaimed} expired leases, {ready} messages ready, {advanced} packets advanced"
    )


@click.command("outbox")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@friendly_errors
def outbox_cmd(limit: int) -> None:
    """What the local outbox channel 'sent', newest first."""
    with connect() as conn:
        found = outbox.recent(conn, limit)
    for m in found:
        subject = f" [{m['subject']}]" if m["subject"] else ""
        click.echo(
            f"{m['sent_at']:%Y-%m-%d %H:%M:%S} #{m['message_id']} {m['channel']} -> {m['recipient']}{subject}: {m['body']}"
        )
    if not found:
        click.echo("the outbox is empty")
