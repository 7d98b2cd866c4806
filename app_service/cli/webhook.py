"""`reminderly webhook`: an account's webhook endpoints (the API's /v1/webhook-endpoints),
their attempts and replays; `reminderly maintain purge-events` applies event retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from app_service import safe_http, webhooks
from app_service.api.routes.webhook_endpoints import attempt_shape, endpoint_shape
from app_service.cli.common import CliError, connect, friendly_errors

_WHEN = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@click.group("webhook")
def webhook_group() -> None:
    """Webhook endpoints: add, list, enable/disable, rotate the secret, attempts, replay."""


def _changed(conn, endpoint_id: int, data: dict) -> dict:
    try:
        found = webhooks.update(conn, endpoint_id, data, safe_http.Policy.from_env())
    except webhooks.InvalidEndpoint as exc:
        raise CliError(f"{exc.field}: {exc.reason}") from None
    if found is None:
        raise CliError(f"webhook endpoint {endpoint_id} does not exist")
    return found


@webhook_group.command("add")
@click.argument("url")
@click.option("--account", "account_id", type=int, required=True)
@click.option("--type", "types", multiple=True, help="An event type (repeat); none: all.")
@click.option("--description")
@friendly_errors
def webhook_add(url: str, account_id: int, types: tuple[str, ...], description) -> None:
    """Add an endpoint; prints it with its secret (shown this once)."""
    data = {"url": url, "event_types": list(types), "description": description}
    with connect() as conn:
        try:
            made = webhooks.create(conn, account_id, data, safe_http.Policy.from_env())
        except webhooks.InvalidEndpoint as exc:
            raise CliError(f"{exc.field}: {exc.reason}") from None
    click.echo(json.dumps({**endpoint_shape(made.endpoint), "secret": made.secret}))


@webhook_group.command("list")
@click.option("--account", "account_id", type=int, required=True)
@friendly_errors
def webhook_list(account_id: int) -> None:
    """The account's endpoints as JSON lines (no secrets)."""
    with connect() as conn:
        for row in webhooks.list_endpoints(conn, account_id, 0, 10_000):
            click.echo(json.dumps(endpoint_shape(row)))


@webhook_group.command("enable")
@click.argument("endpoint_id", type=int)
@friendly_errors
def webhook_enable(endpoint_id: int) -> None:
    """Enable an endpoint (clears its failure state)."""
    with connect() as conn:
        click.echo(json.dumps(endpoint_shape(_changed(conn, endpoint_id, {"enabled": True}))))


@webhook_group.command("disable")
@click.argument("endpoint_id", type=int)
@friendly_errors
def webhook_disable(endpoint_id: int) -> None:
    """Disable an endpoint: nothing is queued for it until it is enabled."""
    with connect() as conn:
        click.echo(json.dumps(endpoint_shape(_changed(conn, endpoint_id, {"enabled": False}))))


@webhook_group.command("rotate-secret")
@click.argument("endpoint_id", type=int)
@click.option("--overlap-hours", type=click.FloatRange(0, 168), default=24, show_default=True)
@friendly_errors
def webhook_rotate(endpoint_id: int, overlap_hours: float) -> None:
    """A new secret (printed once); the old one signs too for --overlap-hours."""
    from datetime import timedelta

    with connect() as conn:
        made = webhooks.rotate_secret(conn, endpoint_id, timedelta(hours=overlap_hours))
    if made is None:
        raise CliError(f"webhook endpoint {endpoint_id} does not exist")
    click.echo(json.dumps({**endpoint_shape(made.endpoint), "secret": made.secret}))


@webhook_group.command("remove")
@click.argument("endpoint_id", type=int)
@friendly_errors
def webhook_remove(endpoint_id: int) -> None:
    """Delete an endpoint with its pending deliveries and attempt log."""
    with connect() as conn:
        if not webhooks.delete(conn, endpoint_id):
            raise CliError(f"webhook endpoint {endpoint_id} does not exist")
    click.echo(f"webhook endpoint {endpoint_id} removed")


@webhook_group.command("attempts")
@click.argument("endpoint_id", type=int)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@friendly_errors
def webhook_attempts(endpoint_id: int, limit: int) -> None:
    """The endpoint's latest delivery attempts as JSON lines, newest first."""
    with connect() as conn:
        for row in webhooks.attempts(conn, endpoint_id, 0, limit):
            click.echo(json.dumps(attempt_shape(row)))


@webhook_group.command("replay")
@click.argument("endpoint_id", type=int)
@click.argument("event_id", type=int, required=False)
@click.option(
    "--since",
    type=click.DateTime(_WHEN),
    help="Replay a range from here (UTC unless an offset is given).",
)
@click.option("--until", type=click.DateTime(_WHEN), help="... to here (exclusive; default now).")
@click.option("--only-undelivered", is_flag=True, help="Only events the endpoint never got.")
@friendly_errors
def webhook_replay(endpoint_id: int, event_id: int | None, since, until, only_undelivered) -> None:
    """Queue one more delivery of a kept event (EVENT_ID), or of every event in a time
    range (--since, --until), to the endpoint."""
    if (event_id is None) == (since is None):
        raise CliError("give either an EVENT_ID or --since (with --until)")
    with connect() as conn:
        if event_id is not None:
            queued = webhooks.replay(conn, endpoint_id, event_id)
            if queued is None:
                raise CliError(f"no event {event_id} of endpoint {endpoint_id}'s account is kept")
            click.echo(f"delivery {queued['id']} queued")
            return
        until = until or datetime.now(UTC)
        try:
            n = webhooks.replay_range(
                conn, endpoint_id, _utc(since), _utc(until), only_undelivered=only_undelivered
            )
        except webhooks.InvalidEndpoint as exc:
            raise CliError(f"--{exc.field} {exc.reason}") from None
    if n is None:
        raise CliError(f"webhook endpoint {endpoint_id} does not exist")
    click.echo(f"{n} deliveries queued")
