"""`reminderly demo`: a demo account, campaigns and packets, and the flow they start."""

from __future__ import annotations

import io

import click

from app_service import api_keys, campaigns, demo_data, dispatch_queue, packet_state, packets
from app_service.cli.common import connect, friendly_errors, settings
from app_service.cli.packet import print_summary
from app_service.links import link_secret
from app_service.packet_source import csv_source
from app_service.public_ids import PublicIds


@click.command("demo")
@click.option("--packets", "n_packets", type=click.IntRange(1, 50), default=3, show_default=True)
@click.option("--rows", type=click.IntRange(1, 10_000), default=40, show_default=True)
@friendly_errors
def demo(n_packets: int, rows: int) -> None:
    """Create a demo account, campaigns and packets of sample customers, and show the flow."""
    with connect() as conn:
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
                status = packet_state.packet_status(conn, result.packet_id)
                assert status is not None
                print_summary(packet_state.summary(status))
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
    public = PublicIds(link_secret(settings())).encode(reminder_id)  # what the API takes
    click.echo(
        f"      curl -H 'Authorization: Bearer {key.token}' "
        f"http://127.0.0.1:{settings().port}/v1/campaigns/{public}/report"
    )
