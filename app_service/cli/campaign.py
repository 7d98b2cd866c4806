"""`reminderly campaign`: show a campaign, change its status (the API's verbs, one command
each), where its data lives."""

from __future__ import annotations

from datetime import timedelta

import click

from app_service import campaigns
from app_service.cli.common import ROW_ID, CliError, connect, friendly_errors


@click.group("campaign")
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
    with connect() as conn:
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


def change_status(campaign_id: int, verb: str) -> None:
    """Apply one of campaigns.VERBS, as the API's verb endpoints do."""
    with connect() as conn:
        try:
            changed = campaigns.change(conn, campaign_id, verb)
        except campaigns.TransitionRefused as exc:
            raise CliError(str(exc)) from None
    if changed is None:
        raise CliError(f"campaign {campaign_id} does not exist")
    moved = f" ({changed.moved} messages moved out of the hot tables)" if verb == "archive" else ""
    click.echo(f"campaign {campaign_id}: {changed.status}{moved}")


def _verb_command(verb: str) -> click.Command:
    """`campaign <verb> CAMPAIGN_ID`: one command per verb, all through change_status."""

    @click.command(verb, help=f"{verb.capitalize()} a campaign (the API's {verb}).")
    @click.argument("campaign_id", type=ROW_ID)
    @friendly_errors
    def command(campaign_id: int) -> None:
        change_status(campaign_id, verb)

    return command


for _verb in campaigns.VERBS:
    campaign_group.add_command(_verb_command(_verb))


@campaign_group.command("relations")
@click.argument("campaign_id", type=ROW_ID)
@friendly_errors
def campaign_relations_cmd(campaign_id: int) -> None:
    """Where a campaign's data lives: relation, predicate, index, estimated rows."""
    with connect() as conn:
        for r in campaigns.campaign_relations(conn, campaign_id):
            click.echo(
                f"{r['role']:<9} {r['relation']:<24} {r['predicate']:<20} "
                f"{r['index']:<36} ~{r['estimated_rows']} rows"
            )
