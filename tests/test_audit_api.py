"""The audit log over the API: an admin key reads its account's entries (who, what, when, from
where) newest first, page by page, filtered and as CSV, with public ids; no other account's
entries, and no key without the admin scope."""

from __future__ import annotations

import csv
import io

from tests.api_support import make_tenant, pub


def _template(tenant, name: str) -> None:
    made = tenant.post(
        "/v1/templates", {"name": name, "channel": "sms", "body": "Hi {{ first_name }}"}
    )
    assert made.status_code == 201, made.json


def _key_id(conn, account_id: int) -> int:
    return conn.execute(
        "SELECT id FROM api_keys WHERE account_id = %s ORDER BY id LIMIT 1", [account_id]
    ).fetchone()[0]


def test_an_admin_key_reads_its_accounts_changes_newest_first(conn, app, tenant, other_tenant):
    for name in ("first", "second", "third"):
        _template(tenant, name)
    _template(other_tenant, "theirs")
    tenant.post("/v1/locations", {"external_id": "north", "name": "North", "timezone": "UTC"})

    listed = tenant.get("/v1/audit-log", query_string={"limit": 200})
    assert listed.status_code == 200, listed.json
    entries = listed.json["data"]
    actions = [e["action"] for e in entries]
    assert actions[:4] == ["api.upsertLocation"] + ["api.createTemplate"] * 3
    newest = entries[1]
    assert newest["object_type"] == "path" and newest["object_id"] == "/v1/templates"
    assert newest["actor_key"] == pub(_key_id(conn, tenant.account_id))  # a public id
    assert newest["actor_role"] == "key" and newest["request_id"]
    assert newest["at"].endswith("Z")

    # page by page, newest first, each entry once
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = tenant.get("/v1/audit-log", query_string=query).json
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in entries]

    only = tenant.get("/v1/audit-log", query_string={"action": "api.createT"}).json["data"]
    assert [e["action"] for e in only] == ["api.createTemplate"] * 3

    exported = tenant.get("/v1/audit-log", query_string={"format": "csv"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [r["action"] for r in table] == actions
    assert table[1]["actor_key"] == str(pub(_key_id(conn, tenant.account_id)))

    # the other account sees only its own change
    theirs = other_tenant.get("/v1/audit-log").json["data"]
    assert [e["action"] for e in theirs] == ["api.createTemplate"]


def test_the_audit_log_needs_the_admin_scope(conn, app, tenant):
    reader = make_tenant(conn, app, "Reader", ("read", "write"), account_id=tenant.account_id)
    refused = reader.get("/v1/audit-log")
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"


def test_a_bad_filter_is_named(tenant):
    refused = tenant.get("/v1/audit-log", query_string={"since": "yesterday"})
    assert refused.status_code == 400
    assert any(e.get("parameter") == "since" for e in refused.json["errors"])
