"""`reminderly user`: bootstrap an account's first owner (an invitation link), and read the
local mailbox of staff mail (invitations) in development."""

from __future__ import annotations

import json

import click

from app_service.cli.common import CliError, connect, friendly_errors, settings
from app_service.people import audit, directory


@click.group("user")
def user_group() -> None:
    """People who sign in to the console: invitations and the staff mailbox."""


@user_group.command("invite")
@click.option("--account", "account_id", type=int, required=True)
@click.option("--email", required=True)
@click.option("--role", default="owner", show_default=True)
@click.option(
    "--location", "location_id", type=int, help="Scope staff or a viewer to one location."
)
@click.option("--url", "base_url", help="The console's public URL (default REMINDERLY_PUBLIC_URL).")
@friendly_errors
def user_invite(account_id: int, email: str, role: str, location_id, base_url) -> None:
    """Invite a person (an operator's command: any role, including the first owner);
    prints the single-use link, valid 72 hours, which is also mailed."""
    url = base_url or settings().public_url_or_local
    operator = audit.Actor(account_id=account_id, role=None, address="cli")
    with connect() as conn:
        try:
            made = directory.invite(
                conn, operator, email, role, base_url=url, location_id=location_id
            )
        except directory.InvalidChange as exc:
            raise CliError(f"{exc.field}: {exc.reason}") from None
    click.echo(
        json.dumps(
            {
                "invitation_id": made.id,
                "email": made.email,
                "role": made.role,
                "link": made.link,
            }
        )
    )


@user_group.command("disable")
@click.argument("email")
@click.option("--enable", is_flag=True, help="Re-enable instead.")
@friendly_errors
def user_disable(email: str, enable: bool) -> None:
    """Disable a person in every account (their sessions end now), or re-enable them."""
    with connect() as conn:
        found = directory.set_disabled(conn, email, not enable)
    if not found["users"]:
        raise CliError(f"no user has the email {email}")
    click.echo(f"{'enabled' if enable else 'disabled'}; {found['sessions_ended']} sessions ended")


@user_group.command("mail")
@click.option("--limit", type=int, default=20, show_default=True)
@friendly_errors
def user_mail(limit: int) -> None:
    """The newest staff mail kept locally (invitations), as JSON lines."""
    with connect() as conn:
        for mail in directory.mail(conn, limit):
            click.echo(json.dumps(mail, default=str))
