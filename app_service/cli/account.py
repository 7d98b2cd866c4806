"""`reminderly account` and `reminderly api-key`: tenants, their SMS senders and API keys."""

from __future__ import annotations

import click

from app_service import accounts, api_keys, campaigns
from app_service.cli.common import ROW_ID, CliError, connect, friendly_errors


@click.group("account")
def account_group() -> None:
    """Tenants: each business using reminderly is an account."""


@account_group.command("set-sms-sender")
@click.argument("account_id", type=ROW_ID)
@click.option(
    "--origination", help="The number, pool id or ARN it sends from (omit: the shared one)."
)
@click.option(
    "--number",
    "numbers",
    multiple=True,
    help="A number its customers reply to (E.164; repeatable).",
)
@friendly_errors
def account_set_sms_sender(
    account_id: int, origination: str | None, numbers: tuple[str, ...]
) -> None:
    """Give an account its own SMS sender: replies and STOPs to its numbers reach it alone."""
    from app_service import senders

    with connect() as conn:
        try:
            senders.set_sms_sender(conn, account_id, origination, list(numbers))
        except senders.InvalidSender as exc:
            raise CliError(str(exc)) from None
    click.echo(
        f"account {account_id}: sends SMS from {origination or 'the shared sender'}"
        + (f", replies to {', '.join(numbers)}" if numbers else "")
    )


@account_group.command("create")
@click.argument("name")
@click.option("--country", default="US", show_default=True, help="Country of national numbers.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA timezone name.")
@friendly_errors
def account_create(name: str, country: str, timezone: str) -> None:
    """Create an account and its first admin API key (the key is shown only now)."""
    with connect() as conn, conn.transaction():
        account_id = campaigns.create_account(
            conn, name, default_country=country, timezone=timezone
        )
        key = api_keys.create_key(conn, account_id, "initial admin key", ["admin"])
    click.echo(f"account {account_id} created")
    click.echo(f"admin API key (shown once, store it now): {key.token}")


@click.group("api-key")
def api_key_group() -> None:
    """API keys of an account: scoped (read, write, admin; operator: may create accounts),
    hashed at rest, revocable."""


@api_key_group.command("create")
@click.option("--account", "account_id", type=ROW_ID, required=True)
@click.option("--name", required=True)
@click.option(
    "--scope",
    "scopes",
    type=click.Choice(api_keys.ALL_SCOPES),
    multiple=True,
    required=True,
    help="Repeat for several scopes. operator: a platform "
    "operator's key, which may create accounts (POST /v1/accounts).",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(1),
    default=6000,
    show_default=True,
    help="Requests per minute.",
)
@friendly_errors
def api_key_create(account_id: int, name: str, scopes: tuple[str, ...], rate_limit: int) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    with connect() as conn:
        if accounts.get_account(conn, account_id) is None:
            raise CliError(f"account {account_id} does not exist")
        key = api_keys.create_key(
            conn, account_id, name, list(scopes), rate_limit_per_minute=rate_limit, operator=True
        )
    click.echo(f"key {key.record['id']} ({key.record['prefix']}): {key.token}")


@api_key_group.command("list")
@click.option("--account", "account_id", type=ROW_ID, required=True)
@friendly_errors
def api_key_list(account_id: int) -> None:
    """The account's keys by prefix (secrets are never shown again)."""
    with connect() as conn:
        keys = api_keys.list_keys(conn, account_id, after=0, limit=1000)
    for k in keys:
        state = f"revoked {k['revoked_at']:%Y-%m-%d}" if k["revoked_at"] else "active"
        used = f"{k['last_used_at']:%Y-%m-%d %H:%M}" if k["last_used_at"] else "never"
        click.echo(
            f"{k['id']:>6}  {k['prefix']}  {','.join(k['scopes']):<16} {state:<18} last used {used}  {k['name']}"
        )


@api_key_group.command("revoke")
@click.option("--account", "account_id", type=ROW_ID, required=True)
@click.argument("key_id", type=ROW_ID)
@friendly_errors
def api_key_revoke(account_id: int, key_id: int) -> None:
    """Revoke a key at once for every API process."""
    with connect() as conn:
        if api_keys.revoke_key(conn, account_id, key_id) is None:
            raise CliError(f"account {account_id} has no key {key_id}")
    click.echo(f"key {key_id} revoked")
