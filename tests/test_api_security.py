"""Keys, scopes, tenant isolation (in Python and in PostgreSQL), limits, and what never
reaches a response or a log."""

from __future__ import annotations

import logging

import psycopg
import pytest

from app_service import api_keys
from app_service.queries import Q
from tests.api_support import CAMPAIGN, IDS, make_tenant
from tests.helpers import csv_bytes, person


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"] and body["detail"]
    assert response.headers["X-Request-Id"] == body["request_id"]
    return body


def test_no_key_a_malformed_key_and_a_wrong_secret_are_401(app, tenant):
    client = app.test_client()
    body = _problem(client.get("/v1/campaigns"), 401)
    assert "Bearer" in body["detail"]
    assert client.get("/v1/campaigns").headers["WWW-Authenticate"].startswith("Bearer")
    _problem(client.get("/v1/campaigns", headers={"Authorization": "Basic abc"}), 401)
    _problem(client.get("/v1/campaigns", headers={"Authorization": "Bearer rmd_nope"}), 401)
    wrong = tenant.token[:-4] + ("AAAA" if not tenant.token.endswith("AAAA") else "BBBB")
    _problem(client.get("/v1/campaigns", headers={"Authorization": f"Bearer {wrong}"}), 401)
    assert tenant.get("/v1/campaigns").status_code == 200


def test_keys_are_shown_once_stored_hashed_listed_by_prefix_and_revocable(conn, tenant):
    made = tenant.post("/v1/api-keys", json={"name": "reporting", "scopes": ["read"]})
    assert made.status_code == 201
    token, key_id = made.json["token"], made.json["id"]
    assert made.headers["Location"] == f"/v1/api-keys/{key_id}"
    stored = conn.execute(
        "SELECT prefix, secret_hash FROM api_keys WHERE id = %s", [IDS.decode(key_id)]
    ).fetchone()
    assert token.startswith(f"rmd_{stored[0]}_")
    assert bytes(stored[1]) == api_keys.hash_token(token)
    dumped = conn.execute("SELECT api_keys::text FROM api_keys").fetchall()
    assert not any(token.split("_", 2)[2] in row[0] for row in dumped)

    listed = tenant.get("/v1/api-keys").json["data"]
    assert {k["prefix"] for k in listed} >= {stored[0]}
    assert all("token" not in k for k in listed)

    reader = {"Authorization": f"Bearer {token}"}
    client = tenant.client
    assert client.get("/v1/campaigns", headers=reader).status_code == 200
    used = next(k for k in tenant.get("/v1/api-keys").json["data"] if k["id"] == key_id)
    assert used["last_used_at"] is not None

    revoked = tenant.delete(f"/v1/api-keys/{key_id}")
    assert revoked.status_code == 200 and revoked.json["revoked_at"] is not None
    _problem(client.get("/v1/campaigns", headers=reader), 401)
    assert tenant.delete(f"/v1/api-keys/{key_id}").status_code == 200  # idempotent
    _problem(tenant.delete("/v1/api-keys/999999"), 404)


def test_scopes_read_write_admin(conn, app, tenant):
    reader = make_tenant(conn, app, scopes=("read",), account_id=tenant.account_id)
    writer = make_tenant(conn, app, scopes=("write",), account_id=tenant.account_id)
    assert reader.get("/v1/campaigns").status_code == 200
    body = _problem(reader.post("/v1/campaigns", json=CAMPAIGN), 403)
    assert "write scope" in body["detail"]
    assert writer.post("/v1/campaigns", json=CAMPAIGN).status_code == 201
    _problem(writer.post("/v1/api-keys", json={"name": "x", "scopes": ["read"]}), 403)
    _problem(writer.get("/v1/api-keys"), 403)
    _problem(writer.post("/v1/accounts", json={"name": "x"}), 403)
    # preview is a read: a read key may render a template
    t = tenant.post("/v1/templates", json={"name": "t", "channel": "sms", "body": "Hi"}).json
    assert reader.post(f"/v1/templates/{t['id']}/preview", json={}).status_code == 200


def test_another_tenants_resources_are_404_not_403(conn, tenant, other_tenant):
    c = tenant.post("/v1/campaigns", json=CAMPAIGN).json
    tenant.post(f"/v1/campaigns/{c['id']}/activate")
    p = tenant.post(
        f"/v1/campaigns/{c['id']}/packets",
        data=csv_bytes([person(1)]),
        headers={"Content-Type": "text/csv"},
    ).json
    cu = tenant.get("/v1/customers").json["data"][0]
    m = tenant.get(f"/v1/packets/{p['id']}/messages").json["data"][0]
    t = tenant.post("/v1/templates", json={"name": "t", "channel": "sms", "body": "Hi"}).json
    k = tenant.get("/v1/api-keys").json["data"][0]
    for path in [
        f"/v1/campaigns/{c['id']}",
        f"/v1/campaigns/{c['id']}/report",
        f"/v1/campaigns/{c['id']}/packets",
        f"/v1/packets/{p['id']}",
        f"/v1/packets/{p['id']}/errors",
        f"/v1/packets/{p['id']}/messages",
        f"/v1/packets/{p['id']}/report",
        f"/v1/customers/{cu['id']}",
        f"/v1/customers/{cu['id']}/messages",
        f"/v1/messages/{m['id']}",
        f"/v1/templates/{t['id']}",
    ]:
        _problem(other_tenant.get(path), 404)
    for path in [
        f"/v1/campaigns/{c['id']}/pause",
        f"/v1/campaigns/{c['id']}/archive",
        f"/v1/packets/{p['id']}/cancel",
        f"/v1/templates/{t['id']}/preview",
    ]:
        _problem(other_tenant.post(path, json={}), 404)
    _problem(
        other_tenant.post(
            f"/v1/campaigns/{c['id']}/packets",
            data=csv_bytes([person(2)]),
            headers={"Content-Type": "text/csv"},
        ),
        404,
    )
    _problem(other_tenant.patch(f"/v1/campaigns/{c['id']}", json={"name": "mine"}), 404)
    _problem(
        other_tenant.post(
            f"/v1/customers/{cu['id']}/consent",
            json={"channel": "sms", "action": "opt_out", "source": "x"},
        ),
        404,
    )
    _problem(other_tenant.delete(f"/v1/api-keys/{k['id']}"), 404)
    for path in ["/v1/campaigns", "/v1/customers", "/v1/templates"]:
        assert other_tenant.get(path).json["data"] == []
    # nothing of A's changed
    assert tenant.get(f"/v1/campaigns/{c['id']}").json["status"] == "active"
    assert tenant.get(f"/v1/packets/{p['id']}").json["status"] == "ready"
    assert tenant.get("/v1/api-keys").json["data"][0]["revoked_at"] is None


def test_row_level_security_hides_other_accounts_even_without_a_where_clause(
    db_url, conn, tenant, other_tenant
):
    for t, n in ((tenant, 1), (other_tenant, 2)):
        c = t.post("/v1/campaigns", json=CAMPAIGN).json
        t.post(f"/v1/campaigns/{c['id']}/activate")
        t.post(
            f"/v1/campaigns/{c['id']}/packets",
            data=csv_bytes([person(n), person(n + 10)]),
            headers={"Content-Type": "text/csv"},
        )
    tables = [
        "accounts",
        "customers",
        "campaigns",
        "campaign_steps",
        "packets",
        "packet_rows",
        "appointments",
        "messages",
        "campaign_message_counts",
        "packet_message_counts",
        "api_keys",
        "templates",
        "consent_events",
        "message_events",
        "idempotency_keys",
    ]
    with psycopg.connect(db_url, autocommit=True) as c:
        owner = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        c.execute(Q.api_enter_tenant, {"account_id": str(tenant.account_id)})
        seen = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        # no filter at all, yet only tenant A's rows
        accounts = {r[0] for r in c.execute("SELECT DISTINCT account_id FROM messages")}
        assert accounts == {tenant.account_id}
        assert c.execute("SELECT id FROM accounts").fetchall() == [(tenant.account_id,)]
        # and it cannot write into another account either
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(
                "INSERT INTO templates (account_id, name, channel, body) VALUES (%s, 'x', 'sms', 'y')",
                [other_tenant.account_id],
            )
        updated = c.execute(
            "UPDATE campaigns SET name = 'taken' WHERE account_id = %s", [other_tenant.account_id]
        ).rowcount
        assert updated == 0
        # what the API role may not touch at all
        for table in ("outbox", "worker_heartbeats", "schema_migrations", "messages_archive"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                c.execute(f"SELECT 1 FROM {table} LIMIT 1")
        c.execute(Q.api_leave_tenant)
        c.execute("SET ROLE reminderly_api")
        unset = c.execute("SELECT count(*) FROM messages").fetchone()[0]
        assert unset == 0  # no account set: nothing visible
    for t in ("customers", "messages", "packets", "campaigns", "packet_rows"):
        assert 0 < seen[t] < owner[t], t


def test_rate_limit_per_key_is_429_with_retry_after(conn, app, tenant):
    limited = make_tenant(conn, app, scopes=("read",), account_id=tenant.account_id, rate_limit=3)
    for _ in range(3):
        assert limited.get("/v1/campaigns").status_code == 200
    response = limited.get("/v1/campaigns")
    body = _problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "limit" in body["detail"]
    assert tenant.get("/v1/campaigns").status_code == 200  # other keys are not affected


def test_body_limits_and_content_types(app, tenant):
    big = {"name": "x" * (1 << 20), "channel": "sms", "body": "hi"}
    body = _problem(tenant.post("/v1/templates", json=big), 413)
    assert "1048576" in body["detail"]
    _problem(
        tenant.post("/v1/templates", data="name=x", headers={"Content-Type": "text/plain"}), 415
    )
    c = tenant.post("/v1/campaigns", json=CAMPAIGN).json
    _problem(
        tenant.post(
            f"/v1/campaigns/{c['id']}/packets",
            data=b"x",
            headers={"Content-Type": "application/xml"},
        ),
        415,
    )
    app.config["MAX_PACKET_BYTES"] = 200
    rows = csv_bytes([person(i) for i in range(20)])
    _problem(
        tenant.post(
            f"/v1/campaigns/{c['id']}/packets", data=rows, headers={"Content-Type": "text/csv"}
        ),
        413,
    )


def test_errors_carry_no_stack_trace_and_logs_carry_no_pii(app, tenant, caplog):
    @app.get("/v1/boom")
    def boom():
        raise RuntimeError("+13125550123 jane@example.com")

    caplog.set_level(logging.INFO)
    response = tenant.get("/v1/boom")
    body = _problem(response, 500)
    assert "Traceback" not in response.get_data(as_text=True)
    assert "+1312" not in response.get_data(as_text=True)
    assert body["detail"] == "an unexpected error occurred; it has been logged"
    tenant.post(
        "/v1/customers",
        json={
            "external_id": "p1",
            "phone": "+13125550177",
            "email": "pat@example.com",
            "first_name": "Pat",
        },
    )
    c = tenant.post("/v1/campaigns", json=CAMPAIGN).json
    tenant.post(
        f"/v1/campaigns/{c['id']}/packets",
        data=csv_bytes([person(77)]),
        headers={"Content-Type": "text/csv"},
    )
    tenant.get("/v1/customers?external_id=p1")
    from app_service.logs import JsonFormatter

    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert "request_id" in text and '"status": 500' in text
    for secret in ("+1312555", "555-0077", "example.com", "Pat", tenant.token):
        assert secret not in text, secret


def test_a_request_id_is_echoed_or_made(tenant):
    assert (
        tenant.get("/v1/account", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"]
        == "abc-123"
    )
    made = tenant.get("/v1/account", headers={"X-Request-Id": "bad id!"}).headers["X-Request-Id"]
    assert len(made) == 32 and made != "bad id!"
