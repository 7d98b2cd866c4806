"""The caller's account, new accounts (admin), and API keys (admin)."""

from __future__ import annotations

from flask import jsonify

from app_service import accounts, api_keys
from app_service.api import idempotency, shapes
from app_service.api.paging import page
from app_service.api.problems import bad_field, not_found
from app_service.api.routes import account_id, body, conn, created
from app_service.api.routing import operation
from app_service.campaigns import InvalidCampaign, create_account


def _without_token(key: dict) -> dict:
    """What the idempotency store keeps of a new key: everything but the secret."""
    return {k: v for k, v in key.items() if k != "token"}


def _without_account_token(created: dict) -> dict:
    return {**created, "api_key": _without_token(created["api_key"])}


@operation("getAccount")
def get_account():
    return jsonify(shapes.account(accounts.get_account(conn(), account_id())))


@operation("createAccount")
def create_account_view():
    data = body()

    def create():
        # A new tenant is created by the service's own login (the caller's role cannot
        # see, so cannot create, another account); the caller still cannot read it after.
        c = conn()
        c.execute("SET LOCAL ROLE NONE")
        try:
            new_id = create_account(
                c,
                data["name"],
                default_country=data.get("default_country", "US"),
                timezone=data.get("timezone", "UTC"),
            )
            key = api_keys.create_key(c, new_id, "initial admin key", ["admin"])
            account = accounts.get_account(c, new_id)
        except InvalidCampaign as exc:
            raise bad_field(f"/{exc.field}", exc.reason) from None
        finally:
            c.execute("SET LOCAL ROLE reminderly_api")
        payload = {
            "account": shapes.account(account),
            "api_key": {**shapes.api_key(key.record), "token": key.token},
        }
        return created(payload, "/v1/account")

    return idempotency.run(create, redact=_without_account_token)


@operation("listApiKeys")
def list_keys():
    return page(
        lambda after, limit: api_keys.list_keys(conn(), account_id(), after=after, limit=limit),
        shapes.api_key,
    )


@operation("createApiKey")
def create_key():
    data = body()

    def create():
        key = api_keys.create_key(
            conn(),
            account_id(),
            data["name"],
            data["scopes"],
            rate_limit_per_minute=data.get("rate_limit_per_minute", 6000),
        )
        return created(
            {**shapes.api_key(key.record), "token": key.token}, f"/v1/api-keys/{key.record['id']}"
        )

    return idempotency.run(create, redact=_without_token)


@operation("revokeApiKey")
def revoke_key(key_id: int):
    found = api_keys.revoke_key(conn(), account_id(), key_id)
    if found is None:
        raise not_found("API key", key_id)
    return jsonify(shapes.api_key(found))
