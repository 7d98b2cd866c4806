"""The integrator's contract (issue 17, item 6): the business's own ids on every message
resource, unknown query parameters refused on every operation (derived from the definition),
the list filters integrators need, rate-limit headers, and the development inbound simulator
that goes through the real webhooks' code."""

from __future__ import annotations

import pytest

from app_service import consent
from app_service.api.contract import Contract
from app_service.api.spec import bundled
from tests.api_support import pub, row
from tests.helpers import load_rows, make_campaign, person
from tests.test_events import send_step

METHODS = ("get", "post", "put", "patch", "delete")


def _operations_with_keys():
    doc = bundled()
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op and op.get("x-required-scope") not in (None, "operator"):
                yield path, method, op


@pytest.mark.parametrize(
    ("path", "method"), [(p, m) for p, m, _ in _operations_with_keys()], ids=lambda v: str(v)
)
def test_every_operation_refuses_an_unknown_query_parameter_by_name(tenant, path, method):
    url = path.replace("{", "").replace("}", "")
    for name in (
        "key_id",
        "campaign_id",
        "customer_id",
        "packet_id",
        "message_id",
        "template_id",
        "location_id",
        "appointment_id",
        "endpoint_id",
    ):
        url = url.replace(name, "1")
    response = getattr(tenant, method)(f"{url}?bogus_filter=1", headers={"X-Test": "1"})
    assert response.status_code == 400, (path, method, response.status_code)
    assert response.mimetype == "application/problem+json"
    named = [e for e in response.json["errors"] if e.get("parameter") == "bogus_filter"]
    assert named and "is not a parameter of this operation" in named[0]["detail"]


def test_the_issues_examples_are_refused_and_repeated_parameters_too(tenant):
    # /v1/customers?opted_out=true filters now; a misspelt filter is named, not ignored
    wrong = tenant.get("/v1/messages?state=cancelled")
    assert wrong.status_code == 400 and wrong.json["errors"][0]["parameter"] == "state"
    assert "status" in wrong.json["errors"][0]["detail"]  # the parameters it does take
    twice = tenant.get("/v1/messages?status=sent&status=failed")
    assert twice.status_code == 400 and "more than once" in twice.json["errors"][0]["detail"]
    bad = tenant.get("/v1/messages?status=cancelled,shredded")
    assert bad.status_code == 400 and "'shredded' is not a message status" in bad.json["detail"]


def test_links_people_open_keep_their_tracking_parameters(app):
    contract = Contract()
    op = contract.operation("/r/<token>", "get")
    assert op is not None and op.get("x-required-scope") is None  # not checked for extras


def _sent_world(conn, account):
    """Five customers at two locations; c1..c5's first reminder sent."""
    conn.execute(
        "INSERT INTO locations (account_id, external_id, name) VALUES (%s, 'loc-a', 'A')", [account]
    )
    campaign = make_campaign(conn, account, offsets=(-48,))
    rows = [person(i, location_id="loc-a" if i % 2 else None) for i in range(1, 6)]
    load_rows(conn, campaign, rows)
    return campaign, send_step(conn)


def test_message_resources_carry_the_business_ids(conn, tenant):
    _, sent = _sent_world(conn, tenant.account_id)
    one = tenant.get(f"/v1/messages/{pub(sent[0])}").json
    assert one["customer"]["external_id"] == "c1"
    assert one["appointment"]["external_id"] == person(1)["appointment_id"]
    assert one["location"]["external_id"] == "loc-a"
    assert one["customer"]["id"] == one["customer_id"]
    second = tenant.get(f"/v1/messages/{pub(sent[1])}").json
    assert second["location"] is None  # c2's row named no location
    customer = one["customer_id"]
    listed = tenant.get(f"/v1/customers/{customer}/messages").json["data"]
    assert listed[0]["appointment"]["external_id"] == person(1)["appointment_id"]
    packet = one["packet_id"]
    in_packet = tenant.get(f"/v1/packets/{packet}/messages").json["data"]
    assert {m["customer"]["external_id"] for m in in_packet} == {f"c{i}" for i in range(1, 6)}


def test_messages_list_filters_by_status_campaign_and_send_time(conn, tenant, other_tenant):
    campaign, sent = _sent_world(conn, tenant.account_id)
    other = make_campaign(conn, tenant.account_id, offsets=(-24,))
    load_rows(conn, other, [person(9)])
    everything = tenant.get("/v1/messages?limit=200").json
    assert len(everything["data"]) == 6 and everything["next_cursor"] is None

    seen, cursor = [], None  # pages of 2 walk the same list
    while True:
        page = tenant.get("/v1/messages?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [m["id"] for m in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [m["id"] for m in everything["data"]]

    sent_only = tenant.get("/v1/messages?status=sent").json["data"]
    assert sorted(m["id"] for m in sent_only) == sorted(pub(m) for m in sent)
    scheduled = tenant.get(f"/v1/messages?status=scheduled,failed&campaign_id={pub(other)}").json
    assert [m["customer"]["external_id"] for m in scheduled["data"]] == ["c9"]
    assert (
        tenant.get(f"/v1/messages?campaign_id={pub(campaign)}&status=scheduled").json["data"] == []
    )

    c9_send = scheduled["data"][0]["send_at"]
    before = tenant.get("/v1/messages", query_string={"send_at_to": c9_send}).json["data"]
    assert c9_send not in [m["send_at"] for m in before] and len(before) == 5
    after = tenant.get("/v1/messages", query_string={"send_at_from": c9_send}).json["data"]
    assert [m["customer"]["external_id"] for m in after] == ["c9"]
    backwards = tenant.get(
        "/v1/messages", query_string={"send_at_from": c9_send, "send_at_to": c9_send}
    )
    assert backwards.status_code == 400 and backwards.json["errors"][0]["parameter"] == "send_at_to"

    assert other_tenant.get("/v1/messages").json["data"] == []  # another account sees none
    assert other_tenant.get(f"/v1/messages?campaign_id={pub(campaign)}").json["data"] == []


def test_customers_filter_by_consent(conn, tenant):
    _sent_world(conn, tenant.account_id)
    ids = {c["external_id"]: row(c["id"]) for c in tenant.get("/v1/customers").json["data"]}
    with conn.transaction():
        consent.record(conn, ids["c1"], "sms", "opt_out", "test", None)
        consent.record(conn, ids["c2"], "email", "opt_out", "test", None)

    def listed(value: str) -> list[str]:
        page = tenant.get(f"/v1/customers?opted_out={value}")
        assert page.status_code == 200, page.json
        return sorted(c["external_id"] for c in page.json["data"])

    assert listed("true") == ["c1", "c2"]
    assert listed("sms") == ["c1"]
    assert listed("email") == ["c2"]
    assert listed("false") == ["c3", "c4", "c5"]
    refused = tenant.get("/v1/customers?opted_out=maybe")
    assert refused.status_code == 400 and refused.json["errors"][0]["parameter"] == "opted_out"


def test_rate_limit_headers_on_every_authenticated_response_and_the_limit_in_the_429(conn, app):
    from tests.api_support import make_tenant

    tenant = make_tenant(conn, app, "Limited", rate_limit=3)
    first = tenant.get("/v1/account")
    assert first.headers["RateLimit-Limit"] == "3"
    assert first.headers["RateLimit-Remaining"] == "2"
    assert 1 <= int(first.headers["RateLimit-Reset"]) <= 60
    missing = tenant.get("/v1/campaigns/999999")  # an error answer carries them too
    assert missing.status_code == 404 and missing.headers["RateLimit-Remaining"] == "1"
    tenant.get("/v1/account")
    refused = tenant.get("/v1/account")
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert "limit of 3 requests per minute" in refused.json["detail"]
    assert refused.headers["Retry-After"] == refused.headers["RateLimit-Reset"]
    anonymous = app.test_client().get("/v1/health")
    assert "RateLimit-Limit" not in anonymous.headers  # no key, no key's window


def _events(conn, since_id: int = 0) -> list[tuple[str, dict]]:
    return [
        (t, d)
        for t, d in conn.execute(
            "SELECT type, event_data(e) FROM events e WHERE id > %s ORDER BY id", [since_id]
        )
    ]


def test_dev_inbound_simulates_a_reply_a_receipt_and_a_survey_answer(conn, tenant, other_tenant):
    _, sent = _sent_world(conn, tenant.account_id)
    mark = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    reply = tenant.post(
        "/v1/dev/inbound", json={"kind": "reply", "message_id": pub(sent[0]), "text": "NO"}
    )
    assert reply.status_code == 200, reply.json
    assert reply.json["result"] == "sms reply: cancel"
    receipt = tenant.post("/v1/dev/inbound", json={"kind": "receipt", "message_id": pub(sent[1])})
    assert receipt.status_code == 200, receipt.json
    survey = tenant.post(
        "/v1/dev/inbound",
        json={"kind": "survey_answer", "message_id": pub(sent[2]), "score": 9, "comment": "great"},
    )
    assert survey.status_code == 200, survey.json
    types = [t for t, _ in _events(conn, mark)]
    assert types == [
        "reply.received",
        "appointment.cancelled_by_customer",
        "message.delivered",
        "survey.answered",
    ]
    answered = _events(conn, mark)[-1][1]
    assert answered["score"] == 9 and answered["customer"]["external_id"] == "c3"
    # the same code as the real webhook: the receipt was recorded as an inbound event
    assert conn.execute("SELECT status FROM messages WHERE id = %s", [sent[1]]).fetchone() == (
        "delivered",
    )
    # another account's message is a 404, an unsent one a 400 naming the field
    assert (
        other_tenant.post(
            "/v1/dev/inbound", json={"kind": "receipt", "message_id": pub(sent[3])}
        ).status_code
        == 404
    )
    load_rows(conn, make_campaign(conn, tenant.account_id, offsets=(-24,)), [person(8)])
    unsent = conn.execute("SELECT max(id) FROM messages").fetchone()[0]
    refused = tenant.post("/v1/dev/inbound", json={"kind": "receipt", "message_id": pub(unsent)})
    assert refused.status_code == 400 and refused.json["errors"][0]["pointer"] == "/message_id"


@pytest.mark.parametrize("stage", ["staging", "prod"])
def test_dev_inbound_is_refused_in_production_stages(conn, tenant, monkeypatch, stage):
    _, sent = _sent_world(conn, tenant.account_id)
    monkeypatch.setenv("REMINDERLY_STAGE", stage)
    mark = conn.execute("SELECT max(id) FROM events").fetchone()[0]
    refused = tenant.post(
        "/v1/dev/inbound", json={"kind": "reply", "message_id": pub(sent[0]), "text": "STOP"}
    )
    assert refused.status_code == 403 and stage in refused.json["detail"]
    assert _events(conn, mark) == []  # nothing was applied


def test_dev_inbound_cli(conn, account, db_url, monkeypatch):
    from click.testing import CliRunner

    from app_service.cli import main

    load_rows(conn, make_campaign(conn, account, offsets=(-48,)), [person(1)])
    (sent,) = send_step(conn)
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(main, ["dev", "inbound", str(sent), "--reply", "STOP"])
    assert result.exit_code == 0, result.output
    assert "sms reply: opt_out" in result.output
    assert [t for t, _ in _events(conn)][-2:] == ["reply.received", "consent.opted_out"]
    monkeypatch.setenv("REMINDERLY_STAGE", "prod")
    result = CliRunner().invoke(main, ["dev", "inbound", str(sent), "--receipt", "delivered"])
    assert result.exit_code == 1 and "only in development" in result.output


def test_every_payload_names_resources_with_the_business_ids_too():
    """Wherever a webhook payload (or the message resource) refers to a customer,
    appointment or location, the reference requires the business's external_id."""
    doc = bundled()
    schemas = doc["components"]["schemas"]

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = schemas[node["$ref"].rsplit("/", 1)[1]]
        return node

    found: list[str] = []

    def walk(node, seen: set[int]) -> None:
        if isinstance(node, list):
            for n in node:
                walk(n, seen)
            return
        if not isinstance(node, dict):
            return
        node = resolve(node)
        if id(node) in seen:
            return
        seen.add(id(node))
        for name, prop in (node.get("properties") or {}).items():
            if name in ("customer", "appointment", "location"):
                refs = [
                    resolve(p)
                    for p in resolve(prop).get("oneOf", resolve(prop).get("anyOf", [prop]))
                ]
                refs = [r for r in refs if r.get("type") != "null"]
                assert refs and all("external_id" in r.get("required", []) for r in refs), name
                found.append(name)
        for value in node.values():
            walk(value, seen)

    for hook in doc["webhooks"].values():
        walk(hook["post"]["requestBody"]["content"]["application/json"]["schema"], set())
    walk(schemas["Message"], set())
    assert {"customer", "appointment", "location"} <= set(found)


def test_a_404_for_a_number_that_is_no_public_id_does_not_translate_it(conn, tenant):
    """`/v1/campaigns/3` once answered "campaign <public id of row 3> does not exist": the
    detail's id translation read the client's 3 as a row id, so any key could map sequence
    values to public ids (and count rows, which public ids exist to hide)."""
    campaign = make_campaign(conn, tenant.account_id)
    for path, what in (
        (f"/v1/campaigns/{campaign}", "campaign"),
        ("/v1/packets/1", "packet"),
        ("/v1/messages/2", "message"),
    ):
        response = tenant.get(path)
        assert response.status_code == 404, response.json
        number = path.rsplit("/", 1)[1]
        assert response.json["detail"] == f"{what} with the id {number} does not exist"
        assert str(pub(int(number))) not in response.data.decode()
    simulated = tenant.post(
        "/v1/dev/inbound", json={"kind": "reply", "message_id": 5012, "text": "NO"}
    )
    assert simulated.status_code == 404
    assert simulated.json["detail"] == "message with the id 5012 does not exist"
    # a public id that names no row of this account is still named as sent
    other = pub(campaign) + 1 if pub(campaign) + 1 < 2**53 else pub(campaign) - 1
    missing = tenant.get(f"/v1/campaigns/{other}")
    assert missing.status_code == 404 and str(other) in missing.json["detail"]


def test_a_json_packet_refuses_objects_arrays_and_booleans_in_known_columns(conn, tenant):
    """The definition types every known column as a string; `{"a": 1}` was kept as the
    customer id '{"a": 1}' and `true` as the appointment id 'true'. Numbers stay accepted (read
    as their text, like a CSV cell) and merge fields keep any JSON."""
    campaign = make_campaign(conn, tenant.account_id)
    rows = [
        person(1, customer_id={"a": 1}),
        person(2, appointment_id=True),
        person(3, first_name=["x"]),
        person(4, customer_id=4, insurance={"plan": "gold"}),
    ]
    loaded = tenant.post(f"/v1/campaigns/{pub(campaign)}/packets", json=rows)
    assert loaded.status_code == 201, loaded.json
    assert loaded.json["rows"]["accepted"] == 1 and loaded.json["rows"]["rejected"] == 3
    errors = tenant.get(f"/v1/packets/{loaded.json['id']}/errors").json["data"]
    assert [(e["row_no"], e["column"], e["reason"]) for e in errors] == [
        (1, "customer_id", "must be a string, not an object"),
        (2, "appointment_id", "must be a string, not a boolean"),
        (3, "first_name", "must be a string, not an array"),
    ]
    kept = [c["external_id"] for c in tenant.get("/v1/customers").json["data"]]
    assert kept == ["4"]
