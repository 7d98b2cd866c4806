"""Webhook endpoints over the API: the secret shown once, rotation with an overlap, URL rules
(https, no private or metadata addresses), replays, attempts, and tenant isolation."""

from __future__ import annotations

import pytest

from tests.api_support import pub, row

URL = "https://hooks.example.com/reminderly"


def make(tenant, **extra) -> dict:
    response = tenant.post("/v1/webhook-endpoints", json={"url": URL, **extra})
    assert response.status_code == 201, response.json
    return response.json


def test_create_read_change_delete_and_the_secret_is_shown_once(tenant):
    made = make(tenant, event_types=["consent.opted_out", "reply.received"], description="PMS")
    assert made["secret"].startswith("whsec_") and len(made["secret"]) >= 38
    assert made["event_types"] == ["consent.opted_out", "reply.received"]
    one = tenant.get(f"/v1/webhook-endpoints/{made['id']}")
    assert one.status_code == 200 and "secret" not in one.json
    assert made["secret"] not in one.get_data(as_text=True)
    listed = tenant.get("/v1/webhook-endpoints").json
    assert [e["id"] for e in listed["data"]] == [made["id"]] and "secret" not in listed["data"][0]

    changed = tenant.patch(f"/v1/webhook-endpoints/{made['id']}", json={"enabled": False})
    assert changed.json["enabled"] is False and changed.json["disabled_reason"]
    changed = tenant.patch(
        f"/v1/webhook-endpoints/{made['id']}", json={"enabled": True, "event_types": []}
    )
    assert changed.json["enabled"] is True and changed.json["disabled_reason"] is None
    assert changed.json["event_types"] == []
    assert tenant.delete(f"/v1/webhook-endpoints/{made['id']}").status_code == 204
    assert tenant.get(f"/v1/webhook-endpoints/{made['id']}").status_code == 404


def test_rotation_keeps_the_old_secret_signing_for_the_overlap(conn, tenant):
    made = make(tenant)
    rotated = tenant.post(
        f"/v1/webhook-endpoints/{made['id']}/rotate-secret", json={"overlap_seconds": 3600}
    )
    assert rotated.status_code == 200
    assert rotated.json["secret"] != made["secret"]
    assert rotated.json["previous_secret_expires_at"] is not None
    stored = conn.execute(
        "SELECT secret, previous_secret, previous_secret_expires_at - now() > interval '59 minutes'"
        " FROM webhook_endpoints"
    ).fetchone()
    assert stored == (rotated.json["secret"], made["secret"], True)
    bad = tenant.post(
        f"/v1/webhook-endpoints/{made['id']}/rotate-secret", json={"overlap_seconds": 10**7}
    )
    assert bad.status_code == 400 and bad.json["errors"][0]["pointer"] == "/overlap_seconds"


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://hooks.example.com/x", "https"),
        ("https://127.0.0.1/x", "public"),
        ("https://169.254.169.254/latest/meta-data", "public"),
        ("https://10.1.2.3/x", "public"),
        ("https://[::1]/x", "public"),
        ("https://[::ffff:192.168.1.1]/x", "public"),
        ("https://localhost:8443/x", "public"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
    ],
)
def test_urls_that_are_not_public_https_are_refused_in_production(tenant, url, reason):
    response = tenant.post("/v1/webhook-endpoints", json={"url": url})
    assert response.status_code == 400
    assert response.json["errors"][0]["pointer"] == "/url" and reason in response.json["detail"]


def test_unknown_event_types_and_fields_are_refused(tenant):
    response = tenant.post(
        "/v1/webhook-endpoints", json={"url": URL, "event_types": ["message.exploded"]}
    )
    assert response.status_code == 400 and "/event_types" in response.json["detail"]
    response = tenant.post("/v1/webhook-endpoints", json={"url": URL, "secret": "whsec_mine"})
    assert response.status_code == 400


def test_another_account_cannot_see_change_replay_or_list_attempts(conn, tenant, other_tenant):
    from tests.helpers import load_rows, make_campaign, person

    made = make(tenant)
    campaign = make_campaign(conn, other_tenant.account_id, offsets=(-48,))
    load_rows(conn, campaign, [person(1)])
    theirs = pub(conn.execute("SELECT id FROM events").fetchone()[0])  # as the API shows it
    for call in (
        lambda: other_tenant.get(f"/v1/webhook-endpoints/{made['id']}"),
        lambda: other_tenant.patch(f"/v1/webhook-endpoints/{made['id']}", json={"enabled": False}),
        lambda: other_tenant.delete(f"/v1/webhook-endpoints/{made['id']}"),
        lambda: other_tenant.post(f"/v1/webhook-endpoints/{made['id']}/rotate-secret", json={}),
        lambda: other_tenant.get(f"/v1/webhook-endpoints/{made['id']}/attempts"),
        lambda: other_tenant.post(
            f"/v1/webhook-endpoints/{made['id']}/replay", json={"event_id": theirs}
        ),
    ):
        assert call().status_code == 404
    assert other_tenant.get("/v1/webhook-endpoints").json["data"] == []
    # replaying another account's event to one's own endpoint is a 404 too
    response = tenant.post(f"/v1/webhook-endpoints/{made['id']}/replay", json={"event_id": theirs})
    assert response.status_code == 404
    assert conn.execute("SELECT count(*) FROM webhook_deliveries").fetchone() == (0,)


def test_replay_queues_a_delivery_of_a_kept_event(conn, tenant):
    from tests.helpers import load_rows, make_campaign, person

    made = make(tenant)
    campaign = make_campaign(conn, tenant.account_id, offsets=(-48,))
    load_rows(conn, campaign, [person(1)])
    event_id = pub(conn.execute("SELECT id FROM events").fetchone()[0])
    response = tenant.post(
        f"/v1/webhook-endpoints/{made['id']}/replay", json={"event_id": event_id}
    )
    assert response.status_code == 202 and response.json["event_id"] == event_id
    assert conn.execute(
        "SELECT endpoint_id, replay, status FROM webhook_deliveries"
    ).fetchall() == [(row(made["id"]), True, "pending")]
    assert tenant.get(f"/v1/webhook-endpoints/{made['id']}/attempts").json == {
        "data": [],
        "next_cursor": None,
    }
    conn.execute(
        "INSERT INTO webhook_attempts (account_id, endpoint_id, delivery_id, event_id, latency_ms)"
        " SELECT account_id, endpoint_id, id, event_id, 5 FROM webhook_deliveries"
    )
    assert tenant.delete(f"/v1/webhook-endpoints/{made['id']}").status_code == 204
    assert conn.execute("SELECT count(*) FROM webhook_deliveries").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM webhook_attempts").fetchone() == (0,)


def test_the_cli_adds_lists_rotates_disables_replays_and_purges(db_url, conn, account, monkeypatch):
    import json

    from click.testing import CliRunner

    from app_service.cli import main
    from tests.helpers import load_rows, make_campaign, person

    monkeypatch.setenv("DATABASE_URL", db_url)
    run = CliRunner().invoke
    added = run(main, ["webhook", "add", URL, "--account", str(account), "--type", "packet.ready"])
    assert added.exit_code == 0, added.output
    made = json.loads(added.output)
    assert made["secret"].startswith("whsec_") and made["event_types"] == ["packet.ready"]
    listed = run(main, ["webhook", "list", "--account", str(account)])
    assert json.loads(listed.output)["id"] == made["id"] and "whsec_" not in listed.output
    refused = run(main, ["webhook", "add", "https://169.254.169.254/", "--account", str(account)])
    assert refused.exit_code == 1 and "error: url:" in refused.output
    rotated = json.loads(run(main, ["webhook", "rotate-secret", str(made["id"])]).output)
    assert rotated["secret"] != made["secret"] and rotated["previous_secret_expires_at"]
    disabled = json.loads(run(main, ["webhook", "disable", str(made["id"])]).output)
    assert disabled["enabled"] is False
    load_rows(conn, make_campaign(conn, account, offsets=(-48,)), [person(1)])
    (event_id,) = conn.execute("SELECT id FROM events").fetchone()
    assert "queued" in run(main, ["webhook", "replay", str(made["id"]), str(event_id)]).output
    assert run(main, ["webhook", "replay", str(made["id"]), "999999"]).exit_code == 1
    conn.execute("UPDATE events SET occurred_at = now() - interval '31 days'")
    assert run(main, ["maintain", "purge-events"]).output.strip() == "deleted 1 events"
    assert run(main, ["webhook", "remove", str(made["id"])]).exit_code == 0
    assert conn.execute("SELECT count(*) FROM webhook_endpoints").fetchone() == (0,)
