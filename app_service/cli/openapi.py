"""`reminderly openapi`: bundle the API definition, regenerate the Python client."""

from __future__ import annotations

from pathlib import Path

import click

from app_service.cli.common import CliError, friendly_errors


@click.group("openapi")
def openapi_group() -> None:
    """The API definition (the openapi/ tree)."""


@openapi_group.command("bundle")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@friendly_errors
def openapi_bundle(output: Path) -> None:
    """Bundle openapi/ into one OpenAPI 3.1 JSON document (what /v1/openapi.json serves)."""
    from app_service.api.spec import SpecError, write_bundle

    try:
        write_bundle(output)
    except SpecError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"wrote {output}")


@openapi_group.command("client")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Default: clients/python.",
)
@friendly_errors
def openapi_client(output: Path | None) -> None:
    """Regenerate the Python client (clients/python/) from openapi/ with openapi-python-client."""
    from app_service.cli import client_gen

    try:
        written = client_gen.generate(output or client_gen.TARGET)
    except client_gen.GenerationFailed as exc:
        raise CliError(f"the client was not generated: {exc}") from None
    click.echo(f"wrote {written}")
