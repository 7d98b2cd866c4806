"""Stored replies of idempotent creates: a key is claimed (with the request's hash) in the
transaction that creates the resource, and the reply stored in it, so a retry with the same key
finds either the reply or the claim of a request still in progress."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from app_service.db import rows
from app_service.queries import Q


@dataclass(frozen=True)
class KeyOf:
    """One Idempotency-Key: keys are per account and per operation (method and path)."""

    account_id: int
    operation: str
    key: str

    def params(self) -> dict:
        return {"account_id": self.account_id, "operation": self.operation, "key": self.key}


def claim(conn: psycopg.Connection, key: KeyOf, request_hash: bytes) -> bool:
    """True when this request is the key's first (it then creates and stores); concurrent
    requests with the key wait here for the first one's transaction."""
    return bool(rows(conn, Q.idempotency_claim, {**key.params(), "hash": request_hash}))


def store(
    conn: psycopg.Connection, key: KeyOf, status: int, response: object, location: str | None
) -> None:
    params = {"status": status, "response": Jsonb(response), "location": location}
    conn.execute(Q.idempotency_store, {**key.params(), **params})


def stored(conn: psycopg.Connection, key: KeyOf) -> dict:
    """The claimed key's row: request_hash, status_code (0: in progress), response, location."""
    return rows(conn, Q.idempotency_get, key.params())[0]
