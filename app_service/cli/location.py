"""`reminderly location`: set and list an account's locations (the API's /v1/locations)."""

from __future__ import annotations

import json

import click

from app_service import locations
from app_service.api import shapes
from app_service.cli.common import CliError, connect, friendly_errors


@click.group("location")
def location_group() -> None:
    """Set or list an account's locations (timezone, send window, review URL)."""


@location_group.command("set")
@click.argument("external_id")
@click.option("--account", "account_id", type=int, required=True)
@click.option("--name")
@click.option("--timezone", help="IANA name, e.g. America/Phoenix.")
@click.option("--address")
@click.option("--review-url")
@click.option("--window", help="Send window override, HH:MM-HH:MM; 'none' clears it.")
@friendly_errors
def location_set(external_id, account_id, name, timezone, address, review_url, window) -> None:
    """Create the location, or change the settings given."""
    data: dict = {"external_id": external_id}
    for key, value in (
        ("name", name),
        ("timezone", timezone),
        ("address", address),
        ("review_url", review_url),
    ):
        if value is not None:
            data[key] = value
    if window is not None:
        if window == "none":
            data["send_window"] = None
        else:
            start, sep, end = window.partition("-")
            if not sep:
                raise CliError("--window must be HH:MM-HH:MM (or none)")
            data["send_window"] = {"start": start, "end": end}
    with connect() as conn:
        try:
            result = locations.upsert_location(conn, account_id, data)
        except locations.InvalidLocation as exc:
            raise CliError(f"{exc.field}: {exc.reason}") from None
    click.echo(f"location {result.id} ({external_id}) {'created' if result.created else 'updated'}")


@location_group.command("list")
@click.option("--account", "account_id", type=int, required=True)
@friendly_errors
def location_list(account_id: int) -> None:
    """The account's locations as JSON lines."""
    with connect() as conn:
        for row in locations.list_locations(conn, account_id, limit=10_000):
            click.echo(json.dumps(shapes.location(row)))
