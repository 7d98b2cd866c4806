"""What every command module shares: the settings in click's context, the database connection,
the id parameter type and the one-line errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
import psycopg

from app_service import campaigns, db, migrate
from app_service.config import Settings
from app_service.packet_source import PacketFormatError


def settings() -> Settings:
    """The settings the root group read once (click's context object)."""
    return click.get_current_context().find_object(Settings) or Settings.from_env()


def connect() -> psycopg.Connection:
    """A connection to a current schema (the embedded server started and migrated if needed)."""
    return psycopg.connect(db.ready_url(settings()), autocommit=True)


class RowId(click.ParamType):
    """An id as the CLI takes it: a row id, or the public id the API and dashboard show (every
    public id is at least 2**52, no row id is)."""

    name = "id"

    def convert(self, value, param, ctx) -> int:
        from app_service.links import link_secret
        from app_service.public_ids import BASE, PublicIds

        try:
            number = int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not an id", param, ctx)
        if number >= BASE:
            found = PublicIds(link_secret(settings())).decode(number)
            if found is None:
                self.fail(f"{number} is not a public id of this deployment", param, ctx)
            return found
        if number < 1:
            self.fail("an id is a positive number", param, ctx)
        return number


ROW_ID = RowId()


class CliError(click.ClickException):
    """A one-line message and exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the errors a user can cause into one line and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (
            PacketFormatError,
            campaigns.InvalidCampaign,
            migrate.MigrationError,
            ValueError,
        ) as exc:
            raise CliError(str(exc)) from None
        except psycopg.OperationalError as exc:
            raise CliError(f"cannot reach the database: {str(exc).splitlines()[0]}") from None
        except psycopg.Error as exc:
            raise CliError(exc.diag.message_primary or type(exc).__name__) from None

    return wrapper
