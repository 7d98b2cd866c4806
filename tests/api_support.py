"""In-process API clients: a tenant (account + key) talking to the app through Flask's test
client, every response checked against the contract by the app itself."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from flask import Flask
from flask.testing import FlaskClient

from app_service import api_keys, campaigns
from app_service.public_ids import PublicIds


@dataclass
class Tenant:
    account_id: int
    token: str
    client: FlaskClient

    def _h(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, headers: dict | None = None, **kw):
        return self.client.get(path, headers=self._h(headers), **kw)

    def post(self, path: str, json=None, headers: dict | None = None, **kw):
        return self.client.post(path, json=json, headers=self._h(headers), **kw)

    def patch(self, path: str, json=None, headers: dict | None = None, **kw):
        return self.client.patch(path, json=json, headers=self._h(headers), **kw)

    def delete(self, path: str, headers: dict | None = None, **kw):
        return self.client.delete(path, headers=self._h(headers), **kw)


def make_tenant(
    conn: psycopg.Connection,
    app: Flask,
    name: str = "Practice",
    scopes: tuple[str, ...] = ("admin",),
    *,
    account_id: int | None = None,
    rate_limit: int = 6000,
) -> Tenant:
    if account_id is None:
        account_id = campaigns.create_account(
            conn, name, default_country="US", timezone="America/Chicago"
        )
    key = api_keys.create_key(
        conn,
        account_id,
        f"{name} key",
        list(scopes),
        rate_limit_per_minute=rate_limit,
        operator="operator" in scopes,
    )
    return Tenant(account_id, key.token, app.test_client())


CAMPAIGN = {
    "name": "Cleaning reminders",
    "kind": "reminder",
    "channel": "sms",
    "send_window_start": "00:00",
    "send_window_end": "23:59",
    "steps": [
        {
            "name": "day before",
            "offset_minutes": -1440,
            "template": "Hi {{ first_name }}, see you {{ appointment_at }}",
        },
        {"name": "two hours", "offset_minutes": -120, "template": "Soon, {{ first_name }}!"},
    ],
}


# The app fixture's link secret keys its public ids (app_service/public_ids.py): tests that
# hold row ids from the database turn them into what the API shows, and back.
IDS = PublicIds("test-link-secret")
pub = IDS.encode
row = IDS.decode
