"""`reminderly ids`: row ids and public ids, both ways."""

from __future__ import annotations

import click

from app_service.cli.common import ROW_ID, settings


@click.group("ids")
def ids_group() -> None:
    """Translate between row ids (what the CLI prints) and public ids (what tenants see in
    the API, the dashboard, webhooks and links). Every id argument takes either."""


@ids_group.command("public")
@click.argument("row_ids", type=ROW_ID, nargs=-1, required=True)
def ids_public(row_ids: tuple[int, ...]) -> None:
    """The public id of each row id."""
    from app_service.links import link_secret
    from app_service.public_ids import PublicIds

    ids = PublicIds(link_secret(settings()))
    for row_id in row_ids:
        click.echo(f"{row_id}\t{ids.encode(row_id)}")


@ids_group.command("internal")
@click.argument("public_ids", type=ROW_ID, nargs=-1, required=True)
def ids_internal(public_ids: tuple[int, ...]) -> None:
    """The row id of each public id."""
    for row_id in public_ids:
        click.echo(str(row_id))
