"""Every operation of the API in-process, with its documented error statuses."""

from __future__ import annotations

import json

from app_service import replies
from tests.api_support import CAMPAIGN, make_tenant, pub, row
from tests.helpers import csv_bytes, person

CSV = {"Content-Type": "text/csv"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


def _campaign(tenant, active: bool = True, **changes) -> dict:
    c = tenant.post("/v1/campaigns", json={**CAMPAIGN, **changes})
    assert c.status_code == 201, c.json
    if active:
        assert tenant.post(f"/v1/campaigns/{c.json['id']}/activate").status_code == 200
    return c.json


def _packet(tenant, campaign_id: int, rows: list[dict]) -> dict:
    r = tenant.post(f"/v1/campaigns/{campaign_id}/packets", data=csv_bytes(rows), headers=CSV)
    assert r.status_code == 201, r.json
    return r.json


def test_account_and_new_accounts(conn, app, tenant):
    me = tenant.get("/v1/account")
    assert me.status_code == 200 and me.json["id"] == pub(tenant.account_id)
    # accounts are created by a platform operator's key (the CLI grants it), not a tenant admin
    _problem(tenant.post("/v1/accounts", json={"name": "Rogue Clinic"}), 403)
    operator = make_tenant(conn, app, scopes=("operator",), account_id=tenant.account_id)
    made = operator.post(
        "/v1/accounts",
        json={"name": "Second Clinic", "timezone": "Europe/Paris", "default_country": "FR"},
    )
    assert made.status_code == 201
    new = made.json
    assert new["account"]["timezone"] == "Europe/Paris" and new["api_key"]["scopes"] == ["admin"]
    headers = {"Authorization": f"Bearer {new['api_key']['token']}"}
    assert tenant.client.get("/v1/account", headers=headers).json["id"] == new["account"]["id"]
    # the creator's key still sees only its own account
    assert tenant.get("/v1/account").json["id"] == pub(tenant.account_id)
    body = _problem(operator.post("/v1/accounts", json={"name": "x", "timezone": "Mars/Base"}), 400)
    assert body["errors"][0]["pointer"] == "/timezone"
    body = _problem(
        operator.post("/v1/accounts", json={"name": "x", "default_country": "usa"}), 400
    )
    assert body["errors"][0]["pointer"] == "/default_country"


def test_customers_upsert_get_list_and_consent(tenant):
    made = tenant.post(
        "/v1/customers",
        json={
            "external_id": "PAT-1",
            "phone": "(312) 555-0101",
            "email": "Ana@Example.COM",
            "first_name": "Ana",
        },
    )
    assert (
        made.status_code == 201 and made.headers["Location"] == f"/v1/customers/{made.json['id']}"
    )
    assert made.json["phone"] == "+13125550101" and made.json["email"] == "Ana@example.com"
    again = tenant.post("/v1/customers", json={"external_id": "PAT-1", "last_name": "Reyes"})
    assert again.status_code == 200 and again.json["id"] == made.json["id"]
    assert again.json["first_name"] == "Ana" and again.json["last_name"] == "Reyes"
    got = tenant.get(f"/v1/customers/{made.json['id']}")
    assert got.status_code == 200 and got.json == again.json
    found = tenant.get("/v1/customers?external_id=PAT-1").json["data"]
    assert [c["id"] for c in found] == [made.json["id"]]
    assert tenant.get("/v1/customers?external_id=none").json["data"] == []

    for field, value in (("phone", "12"), ("email", "not-an-email"), ("timezone", "Nowhere/City")):
        body = _problem(tenant.post("/v1/customers", json={"external_id": "x", field: value}), 400)
        assert body["errors"][0]["pointer"] == f"/{field}"
    body = _problem(tenant.post("/v1/customers", json={"first_name": "no id"}), 400)
    assert "external_id" in body["detail"]
    _problem(tenant.post("/v1/customers", json={"external_id": "x", "extra": 1}), 400)
    _problem(tenant.get("/v1/customers/424242"), 404)
    _problem(tenant.get("/v1/customers/0"), 400)


def test_opt_out_suppresses_pending_messages_and_opt_in_restores_consent(tenant):
    c = _campaign(tenant)
    _packet(tenant, c["id"], [person(1)])
    customer = tenant.get("/v1/customers").json["data"][0]
    out = tenant.post(
        f"/v1/customers/{customer['id']}/consent",
        json={"channel": "sms", "action": "opt_out", "source": "front_desk"},
    )
    assert out.status_code == 200
    assert out.json["suppressed_messages"] == 2 and out.json["customer"]["opted_out"]["sms"]
    msgs = tenant.get(f"/v1/customers/{customer['id']}/messages").json["data"]
    assert {m["status"] for m in msgs} == {"suppressed"} and {m["reason"] for m in msgs} == {
        "opted_out"
    }
    back = tenant.post(
        f"/v1/customers/{customer['id']}/consent",
        json={"channel": "sms", "action": "opt_in", "source": "web"},
    )
    assert back.json["customer"]["opted_out"]["sms"] is None
    body = _problem(
        tenant.post(
            f"/v1/customers/{customer['id']}/consent",
            json={"channel": "fax", "action": "opt_out", "source": "x"},
        ),
        400,
    )
    assert body["errors"][0]["pointer"] == "/channel"


def test_campaign_create_get_list_update_and_transitions(tenant):
    c = _campaign(tenant, active=False)
    assert c["status"] == "draft" and [s["offset_minutes"] for s in c["steps"]] == [-1440, -120]
    assert tenant.get(f"/v1/campaigns/{c['id']}").json == c
    patched = tenant.patch(
        f"/v1/campaigns/{c['id']}",
        json={
            "send_window_start": "08:00",
            "frequency_cap_seconds": 86400,
            "steps": [{"name": "only", "offset_minutes": -60, "template": "Hi {{ first_name }}"}],
        },
    )
    assert patched.status_code == 200
    assert patched.json["send_window_start"] == "08:00" and len(patched.json["steps"]) == 1
    assert patched.json["frequency_cap_seconds"] == 86400
    body = _problem(
        tenant.patch(f"/v1/campaigns/{c['id']}", json={"send_window_end": "07:00"}), 400
    )
    assert body["errors"][0]["pointer"] == "/send_window_end"
    _problem(tenant.patch(f"/v1/campaigns/{c['id']}", json={}), 400)

    for verb, status in (("activate", "active"), ("pause", "paused"), ("resume", "active")):
        r = tenant.post(f"/v1/campaigns/{c['id']}/{verb}")
        assert r.status_code == 200 and r.json["status"] == status, verb
    body = _problem(tenant.patch(f"/v1/campaigns/{c['id']}", json={"name": "late"}), 409)
    assert "not draft" in body["detail"]
    _problem(tenant.post(f"/v1/campaigns/{c['id']}/activate"), 409)
    _problem(tenant.post(f"/v1/campaigns/{c['id']}/resume"), 409)
    archived = tenant.post(f"/v1/campaigns/{c['id']}/archive")
    assert archived.json["status"] == "archived" and archived.json["archived_at"]
    _problem(tenant.post(f"/v1/campaigns/{c['id']}/pause"), 409)
    _problem(
        tenant.post(f"/v1/campaigns/{c['id']}/packets", data=csv_bytes([person(1)]), headers=CSV),
        409,
    )

    other = _campaign(tenant, active=False, name="Second")
    listed = tenant.get("/v1/campaigns?status=draft").json["data"]
    assert [x["id"] for x in listed] == [other["id"]]
    _problem(tenant.get("/v1/campaigns?status=deleted"), 400)
    _problem(tenant.get("/v1/campaigns/999999"), 404)


def test_campaign_definitions_are_checked_with_a_pointer_to_the_field(tenant):
    long_sms = {**CAMPAIGN, "steps": [{"name": "s", "offset_minutes": -60, "template": "x" * 400}]}
    body = _problem(tenant.post("/v1/campaigns", json=long_sms), 400)
    assert body["errors"][0]["pointer"] == "/steps/0/template" and "segments" in body["detail"]
    email = {**CAMPAIGN, "channel": "email"}
    body = _problem(tenant.post("/v1/campaigns", json=email), 400)
    assert body["errors"][0]["pointer"] == "/steps/0/subject"
    after = {**CAMPAIGN, "steps": [{"name": "s", "offset_minutes": 60, "template": "Hi"}]}
    assert (
        _problem(tenant.post("/v1/campaigns", json=after), 400)["errors"][0]["pointer"]
        == "/steps/0/offset"
    )
    both = {
        **CAMPAIGN,
        "steps": [{"name": "s", "offset_minutes": -60, "template": "Hi", "template_id": 1}],
    }
    assert (
        _problem(tenant.post("/v1/campaigns", json=both), 400)["errors"][0]["pointer"] == "/steps/0"
    )
    body = _problem(tenant.post("/v1/campaigns", json={**CAMPAIGN, "kind": "newsletter"}), 400)
    assert body["errors"][0]["pointer"] == "/kind"
    body = _problem(tenant.post("/v1/campaigns", json={**CAMPAIGN, "steps": []}), 400)
    assert body["errors"][0]["pointer"] == "/steps"
    body = _problem(
        tenant.post(
            "/v1/campaigns", data="{not json", headers={"Content-Type": "application/json"}
        ),
        400,
    )
    assert tenant.get("/v1/campaigns").json["data"] == []  # nothing half-created


def test_templates_create_get_list_preview_and_use_in_a_step(tenant):
    t = tenant.post(
        "/v1/templates",
        json={
            "name": "visit",
            "channel": "sms",
            "body": "Hi {{ first_name }}, {{ appointment_time }} {{ room }}",
        },
    )
    assert t.status_code == 201 and t.json["merge_fields"] == [
        "appointment_time",
        "first_name",
        "room",
    ]
    assert tenant.get(f"/v1/templates/{t.json['id']}").json == t.json
    assert [x["id"] for x in tenant.get("/v1/templates").json["data"]] == [t.json["id"]]
    p = tenant.post(
        f"/v1/templates/{t.json['id']}/preview", json={"merge_fields": {"first_name": "Ana"}}
    )
    assert p.json["body"] == "Hi Ana, [appointment_time] [room]"
    assert p.json["sampled_fields"] == ["appointment_time", "room"] and p.json[
        "unknown_fields"
    ] == ["room"]
    assert p.json["sms"] == {"encoding": "GSM-7", "segments": 1, "characters": len(p.json["body"])}
    assert tenant.post(f"/v1/templates/{t.json['id']}/preview").status_code == 200  # body optional
    _problem(
        tenant.post("/v1/templates", json={"name": "visit", "channel": "sms", "body": "dup"}), 409
    )
    body = _problem(
        tenant.post("/v1/templates", json={"name": "e", "channel": "email", "body": "x"}), 400
    )
    assert body["errors"][0]["pointer"] == "/subject"
    body = _problem(
        tenant.post("/v1/templates", json={"name": "b", "channel": "sms", "body": "{{ oops"}), 400
    )
    assert body["errors"][0]["pointer"] == "/body"
    _problem(tenant.get("/v1/templates/31337"), 404)
    step = {"name": "s", "offset_minutes": -60, "template_id": t.json["id"]}
    c = tenant.post("/v1/campaigns", json={**CAMPAIGN, "steps": [step]})
    assert c.status_code == 201 and c.json["steps"][0]["template"] == t.json["body"]
    missing = {**CAMPAIGN, "steps": [{**step, "template_id": 999}]}
    # a template_id naming no template of the account is a 404, as a path id would be
    gone = _problem(tenant.post("/v1/campaigns", json=missing), 404)
    assert "template" in gone["detail"] and "does not exist" in gone["detail"]


def test_packets_json_and_csv_status_errors_messages_report_and_cancel(tenant):
    c = _campaign(tenant)
    rows = [person(i) for i in range(4)] + [person(9, phone="12", email="")]
    as_json = tenant.post(f"/v1/campaigns/{c['id']}/packets", json=rows)
    assert as_json.status_code == 201
    p = as_json.json
    assert p["source"] == "json" and p["rows"] == {
        "submitted": 5,
        "accepted": 4,
        "rejected": 1,
        "warned": 0,
        "read": 5,
    }
    assert p["messages_planned"] == 8 and p["messages"] == {"scheduled": 8}
    assert as_json.headers["Location"] == f"/v1/packets/{p['id']}"
    assert tenant.get(f"/v1/packets/{p['id']}").json == p
    errors = tenant.get(p["links"]["errors"]).json
    reason = errors["data"][0]["reason"]
    assert errors["data"] == [
        {
            "row_no": 5,
            "column": "phone",
            "reason": reason,
            "value": "12",
            "errors": [{"column": "phone", "reason": reason}],
        }
    ]
    msgs = tenant.get(f"{p['links']['messages']}?limit=3").json
    assert len(msgs["data"]) == 3 and msgs["next_cursor"]
    rest = tenant.get(f"{p['links']['messages']}?limit=200&cursor={msgs['next_cursor']}").json
    assert len(rest["data"]) == 5 and rest["next_cursor"] is None
    assert {m["id"] for m in msgs["data"]}.isdisjoint({m["id"] for m in rest["data"]})
    report = tenant.get(f"/v1/packets/{p['id']}/report").json
    assert report["funnel"]["planned"] == 8 and report["rows"]["rejected"] == 1
    campaign_report = tenant.get(f"/v1/campaigns/{c['id']}/report").json
    assert campaign_report["funnel"]["pending"] == 8
    listed = tenant.get(f"/v1/campaigns/{c['id']}/packets").json["data"]
    assert [x["id"] for x in listed] == [p["id"]]

    cancelled = tenant.post(f"/v1/packets/{p['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["messages"] == {"cancelled:packet_cancelled": 8}
    assert tenant.get(f"/v1/campaigns/{c['id']}/report").json["funnel"]["cancelled"] == 8
    _problem(tenant.post(f"/v1/packets/{p['id']}/cancel"), 409)
    _problem(tenant.get("/v1/packets/77777"), 404)
    _problem(tenant.get("/v1/packets/77777/errors"), 404)


def test_packet_rejections_unreadable_bodies_and_duplicates(tenant):
    c = _campaign(tenant)
    bad = [person(1, appointment_at="someday"), person(2, appointment_at="2026-02-30T10:00")]
    body = _problem(
        tenant.post(f"/v1/campaigns/{c['id']}/packets", data=csv_bytes(bad), headers=CSV), 422
    )
    assert body["errors_url"] == f"/v1/packets/{body['packet_id']}/errors"
    assert sum(r["count"] for r in body["rejected_by_reason"]) == 2
    assert len(tenant.get(body["errors_url"]).json["data"]) == 2

    body = _problem(
        tenant.post(f"/v1/campaigns/{c['id']}/packets", data=b"name,phone\nx,1\n", headers=CSV), 400
    )
    assert "customer_id" in body["detail"] and body["packet_id"]
    assert tenant.get(f"/v1/packets/{body['packet_id']}").json["status"] == "failed"
    body = _problem(
        tenant.post(
            f"/v1/campaigns/{c['id']}/packets",
            data=b'{"not": "an array"}',
            headers={"Content-Type": "application/json"},
        ),
        400,
    )

    data = csv_bytes([person(5), person(6)])
    first = tenant.post(f"/v1/campaigns/{c['id']}/packets", data=data, headers=CSV)
    again = tenant.post(f"/v1/campaigns/{c['id']}/packets", data=data, headers=CSV)
    assert first.status_code == 201 and again.status_code == 200
    assert (
        again.json["duplicate_of"] == first.json["id"] and again.json["rows"] == first.json["rows"]
    )
    _problem(tenant.post("/v1/campaigns/999/packets", data=data, headers=CSV), 404)


def test_packet_idempotency_key(tenant):
    c = _campaign(tenant)
    url = f"/v1/campaigns/{c['id']}/packets"
    body = csv_bytes([person(1), person(2)])
    key = {**CSV, "Idempotency-Key": "sync-2026-11-28"}
    first = tenant.post(url, data=body, headers=key)
    replay = tenant.post(url, data=body, headers=key)
    assert first.status_code == 201 and replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json["id"] == first.json["id"]
    other = _problem(tenant.post(url, data=csv_bytes([person(3)]), headers=key), 409)
    assert "different" in other["detail"]
    assert len(tenant.get(f"/v1/campaigns/{c['id']}/packets").json["data"]) == 1


def test_create_idempotency_for_campaigns_customers_and_keys(tenant):
    key = {"Idempotency-Key": "create-1"}
    first = tenant.post("/v1/campaigns", json=CAMPAIGN, headers=key)
    replay = tenant.post("/v1/campaigns", json=CAMPAIGN, headers=key)
    assert first.status_code == replay.status_code == 201
    assert replay.json == first.json and replay.headers["Location"] == first.headers["Location"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(tenant.get("/v1/campaigns").json["data"]) == 1
    body = _problem(
        tenant.post("/v1/campaigns", json={**CAMPAIGN, "name": "other"}, headers=key), 409
    )
    assert "Idempotency-Key" in body["detail"]
    # the same key on another operation is another key
    assert tenant.post("/v1/customers", json={"external_id": "k"}, headers=key).status_code == 201
    again = tenant.post("/v1/customers", json={"external_id": "k"}, headers=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    k1 = tenant.post(
        "/v1/api-keys", json={"name": "n", "scopes": ["read"]}, headers={"Idempotency-Key": "k"}
    )
    k2 = tenant.post(
        "/v1/api-keys", json={"name": "n", "scopes": ["read"]}, headers={"Idempotency-Key": "k"}
    )
    assert k1.json["id"] == k2.json["id"]
    # a rejected create is not remembered: fixing the body under the same key works
    bad = tenant.post(
        "/v1/templates",
        json={"name": "e", "channel": "email", "body": "x"},
        headers={"Idempotency-Key": "t"},
    )
    assert bad.status_code == 400
    good = tenant.post(
        "/v1/templates",
        json={"name": "e", "channel": "email", "body": "x", "subject": "s"},
        headers={"Idempotency-Key": "t"},
    )
    assert good.status_code == 201


def test_message_with_its_events(conn, tenant):
    c = _campaign(tenant)
    p = _packet(tenant, c["id"], [person(1)])
    m = tenant.get(f"/v1/packets/{p['id']}/messages").json["data"][0]
    replies.handle_reply(conn, row(m["id"]), "C")
    got = tenant.get(f"/v1/messages/{m['id']}")
    assert got.status_code == 200 and got.json["id"] == m["id"]
    assert [e["kind"] for e in got.json["events"]] == ["reply", "confirmed"]
    assert got.json["events"][0]["data"]["classified"] == "confirm"
    _problem(tenant.get("/v1/messages/123456"), 404)


def test_pagination_limits_and_bad_cursors(tenant):
    for i in range(5):
        tenant.post("/v1/customers", json={"external_id": f"c{i}"})
    seen, cursor = [], None
    while True:
        page = tenant.get("/v1/customers?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [c["external_id"] for c in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"c{i}" for i in range(5)]
    body = _problem(tenant.get("/v1/customers?limit=201"), 400)
    assert body["errors"][0] == {**body["errors"][0], "parameter": "limit", "in": "query"}
    _problem(tenant.get("/v1/customers?limit=0"), 400)
    assert (
        _problem(tenant.get("/v1/customers?cursor=zzzz"), 400)["errors"][0]["parameter"] == "cursor"
    )


def test_unknown_routes_and_methods_are_problems(tenant):
    assert _problem(tenant.get("/v1/nothing-here"), 404)["title"] == "Not Found"
    wrong = tenant.client.put("/v1/campaigns", headers={"Authorization": f"Bearer {tenant.token}"})
    body = _problem(wrong, 405)
    assert "GET" in wrong.headers["Allow"] and body["title"] == "Method Not Allowed"
    assert json.loads(tenant.get("/v1/openapi.json").data)["openapi"].startswith("3.1")


def test_packet_outcomes_are_published_as_metrics_for_the_alarm(
    tenant, db_url, monkeypatch, tmp_path
):
    """From every intake path: the API, and the CLI (the dashboard and the loader call the
    same library function)."""
    from click.testing import CliRunner

    from app_service import telemetry
    from app_service.cli import main

    published = []
    telemetry.set_sink(published.append)
    try:
        c = _campaign(tenant)
        tenant.post(f"/v1/campaigns/{c['id']}/packets", data=b"name\nx\n", headers=CSV)
        _packet(tenant, c["id"], [person(1), person(2, phone="1")])
        monkeypatch.setenv("DATABASE_URL", db_url)
        monkeypatch.setenv("REMINDERLY_LINK_SECRET", "test-link-secret")  # the API's ids
        path = tmp_path / "tomorrow.csv"
        path.write_bytes(csv_bytes([person(5)]))
        CliRunner().invoke(main, ["load", str(path), "--campaign", str(c["id"])])
    finally:
        telemetry.set_sink(None)
    assert published == [
        {"PacketsFailed": (1.0, "Count"), "PacketRowsRejected": (0.0, "Count")},
        {"PacketsLoaded": (1.0, "Count"), "PacketRowsRejected": (1.0, "Count")},
        {"PacketsLoaded": (1.0, "Count"), "PacketRowsRejected": (0.0, "Count")},
    ]
