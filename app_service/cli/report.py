"""`reminderly report` and `reminderly analytics`: a campaign's report, customer scores."""

from __future__ import annotations

import json

import click

from app_service.cli.common import ROW_ID, CliError, connect, friendly_errors


@click.command("report")
@click.argument("campaign_id", type=ROW_ID)
@click.option("--csv", "as_csv", is_flag=True, help="CSV: section, metric, value.")
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def report_cmd(campaign_id: int, as_csv: bool, as_json: bool) -> None:
    """A campaign's report: funnel, rates, and survey or review results (from the rollups)."""
    from app_service import reports

    with connect() as conn:
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
    for label, key in (
        ("planned", "planned"),
        ("pending", "pending"),
        ("sent", "sent"),
        ("delivered", "delivered"),
        ("failed", "failed"),
        ("dead", "dead"),
        ("suppressed", "suppressed"),
        ("cancelled", "cancelled"),
        ("responded", "responded"),
        ("confirmed", "confirmed"),
        ("opted out", "opted_out"),
        ("clicked", "clicked"),
    ):
        click.echo(f"  {label:<11}{f[key]:>10}")
    click.echo(
        f"  delivery {pct(r['delivery'])}  response {pct(r['response'])}  "
        f"confirmation {pct(r['confirmation'])}  click {pct(r['click'])}"
    )
    if "survey" in found:
        s = found["survey"]
        click.echo(
            f"  survey: {s['responses']} answers, NPS {s['nps']}, average {s['average_score']}, "
            f"CSAT {s['csat_percent']}%, {s['comments']} comments"
        )
    if "review" in found:
        click.echo(
            f"  review: {found['review']['clicked']} of {found['review']['sent']} clicked through "
            f"({pct(found['review']['conversion'])})"
        )


# --- analytics -------------------------------------------------------------------------------


@click.group("analytics")
def analytics_group() -> None:
    """Customer scores: likely to respond, and to respond positively, per campaign kind."""


@analytics_group.command("refresh")
@click.option("--account", "account_id", type=ROW_ID, help="One account (default: all).")
@click.option("--half-life-days", type=click.FloatRange(min=1), default=90.0, show_default=True)
@friendly_errors
def analytics_refresh(account_id: int | None, half_life_days: float) -> None:
    """Recompute the scores from every message sent and what came back."""
    from app_service import analytics

    with connect() as conn:
        accounts = [account_id] if account_id else analytics.account_ids(conn)
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

    with connect() as conn:
        found = analytics.ranked(conn, account_id, kind, limit)
    for r in found:
        click.echo(
            f"{r['external_id']:<20} respond {r['p_respond']:.2f}  positive {r['p_positive']:.2f}  "
            f"({r['responses']}/{r['messages']} answered, best hour {r['best_hour']}, weekday {r['best_weekday']})"
        )
    if not found:
        click.echo("no scores: run `reminderly analytics refresh` first")
