"""`reminderly db`: the embedded server, migrations, the first deploy's bootstrap, psql."""

from __future__ import annotations

import sys

import click
import psycopg

from app_service import db, embedded, migrate
from app_service.cli.common import CliError, friendly_errors, settings
from app_service.config import BOOTSTRAP_PASSWORDS


@click.group("db")
def db_group() -> None:
    """The database: embedded server, migrations, psql."""


@db_group.command("start")
@friendly_errors
def db_start() -> None:
    """Start the embedded PostgreSQL (a no-op when DATABASE_URL is set) and migrate it."""
    cfg = settings()
    url = db.ready_url(cfg)
    where = "DATABASE_URL" if cfg.database_url else str(cfg.pgdata)
    click.echo(f"database ready ({where})")
    if not cfg.database_url:
        click.echo(f"url: {url}")


@db_group.command("url")
@friendly_errors
def db_url_cmd() -> None:
    """Print the database URL (starting the embedded server if needed)."""
    click.echo(db.ready_url(settings()))


@db_group.command("stop")
@friendly_errors
def db_stop() -> None:
    """Stop the embedded PostgreSQL."""
    cfg = settings()
    if cfg.database_url:
        raise CliError("DATABASE_URL is set: that server is not managed by reminderly")
    click.echo("stopped" if embedded.stop(cfg.pgdata) else "not running")


@db_group.command("status")
@friendly_errors
def db_status() -> None:
    """Say whether the database runs and whether its schema is current (exit 1 if not)."""
    cfg = settings()
    if cfg.database_url:
        url = cfg.database_url
    else:
        status = embedded.status(cfg.pgdata)
        if not status.running:
            click.echo(f"embedded database: stopped ({cfg.pgdata})")
            sys.exit(1)
        click.echo(f"embedded database: running, pid {status.pid} ({cfg.pgdata})")
        url = status.url
    with psycopg.connect(url) as conn:
        todo = migrate.pending(conn)
    click.echo(
        "schema: current" if not todo else f"schema: {len(todo)} pending ({', '.join(todo)})"
    )
    sys.exit(0 if not todo else 1)


@db_group.command("migrate")
@click.option(
    "--wait-for-login",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seconds to keep retrying a refused or failed login (the first deploy's "
    "migration may start before `db bootstrap` created its login).",
)
@friendly_errors
def db_migrate(wait_for_login: int) -> None:
    """Apply pending migrations and changed procedures."""
    import time

    url = db.database_url(settings())
    deadline = time.monotonic() + wait_for_login
    while True:
        try:
            report = migrate.migrate(url)
            break
        except psycopg.OperationalError as exc:
            if time.monotonic() >= deadline:
                raise
            click.echo(f"cannot log in yet, retrying: {str(exc).splitlines()[0]}", err=True)
            time.sleep(10)
    for name in report.applied + report.routines:
        click.echo(f"applied {name}")
    if not report.changed:
        click.echo("schema already current")


@db_group.command("bootstrap")
@friendly_errors
def db_bootstrap_cmd() -> None:
    """Once per stage, as the master user (DATABASE_URL or PG*): create the migrations'
    owner, migrate as it, and set the service logins' first passwords from
    REMINDERLY_OWNER_PASSWORD, REMINDERLY_API_LOGIN_PASSWORD and
    REMINDERLY_WORKER_LOGIN_PASSWORD (the service stack's bootstrap task injects them from
    the logins' secrets). Never touches the embedded database."""
    from app_service import db_bootstrap

    cfg = settings()
    missing = cfg.missing(*BOOTSTRAP_PASSWORDS.values())
    if cfg.database_url is None:
        missing.insert(0, "DATABASE_URL (or PGHOST and the other PG* variables)")
    if missing:
        raise CliError(f"db bootstrap acts on a stage's database: set {', '.join(missing)}")
    report = db_bootstrap.bootstrap(
        cfg.database_url,
        {role: cfg.bootstrap_passwords[v] for role, v in BOOTSTRAP_PASSWORDS.items()},
    )
    if report.created_owner:
        click.echo("created reminderly_owner")
    for name in report.migrated:
        click.echo(f"applied {name}")
    for role in report.passwords_set:
        click.echo(f"first password set for {role}")
    click.echo("bootstrap done")


@db_group.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@friendly_errors
def db_psql(args: tuple[str, ...]) -> None:
    """Open psql on the database (extra arguments go to psql)."""
    sys.exit(embedded.run_psql(db.database_url(settings()), list(args)))
