"""API keys made and revoked by people in the console: the key records who made it, and each
change is audited. Machines keep using keys; people sign in as users."""

from __future__ import annotations

import psycopg

from app_service import api_keys
from app_service.db import rows
from app_service.people import audit, permissions
from app_service.people.audit import Actor
from app_service.queries import Q


def listed(conn: psycopg.Connection) -> list[dict]:
    return rows(conn, Q.console_api_keys)


def make(conn: psycopg.Connection, actor: Actor, name: str, scope: str) -> api_keys.NewKey:
    """A key with one of the tenant scopes (read < write < admin); the token is shown once."""
    permissions.require(actor.role, "manage_keys")
    if scope not in api_keys.SCOPES:
        raise ValueError(f"scope: one of {', '.join(api_keys.SCOPES)}")
    if not 1 <= len(name.strip()) <= 100:
        raise ValueError("name: 1 to 100 characters")
    with conn.transaction():
        made = api_keys.create_key(conn, actor.account_id, name.strip(), [scope])
        conn.execute(Q.api_key_made_by, {"id": made.record["id"], "user_id": actor.user_id})
        audit.record(
            conn,
            actor,
            "api_key.created",
            object_type="api_key",
            object_id=made.record["id"],
            after={"name": name.strip(), "scope": scope, "prefix": made.record["prefix"]},
        )
    return made


def revoke(conn: psycopg.Connection, actor: Actor, key_id: int) -> dict | None:
    permissions.require(actor.role, "manage_keys")
    with conn.transaction():
        found = api_keys.revoke_key(conn, actor.account_id, key_id)
        if found is not None:
            audit.record(conn, actor, "api_key.revoked", object_type="api_key", object_id=key_id)
    return found
