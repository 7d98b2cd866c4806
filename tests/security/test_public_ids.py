"""Ids and tokens reveal no platform volume: two tenants creating resources in turn cannot read
from what they are given how many the other made (ids, Location, links, cursors, event feed,
webhook bodies, signed link tokens), and the ids they are given still work everywhere."""

from __future__ import annotations

import base64
import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from app_service.links import LinkSigner
from app_service.public_ids import BASE, PublicIds
from tests.api_support import CAMPAIGN

SECRET = "test-link-secret"  # the app fixture's
IDS = PublicIds(SECRET)


def _gaps_reveal_nothing(mine: list[int]) -> None:
    """The attacker's view: its ids in creation order are neither ordered nor spaced by what
    happened in between."""
    assert all(BASE <= i < 2 * BASE for i in mine)
    assert len(set(mine)) == len(mine)
    steps = [b - a for a, b in itertools.pairwise(mine)]
    assert any(s < 0 for s in steps) and any(s > 0 for s in steps), mine  # not monotone
    assert all(abs(s) > 1000 for s in steps), steps  # never consecutive or near it


def test_two_tenants_cannot_count_each_other_from_ids(tenant, other_tenant, db_url):
    seen: dict[str, list[dict]] = {"a": [], "b": []}
    locations: list[str] = []
    # interleaved: A makes one, B makes three, A one, ... (B's volume sits between A's ids)
    for round_ in range(8):
        for who, client, n in (("a", tenant, 1), ("b", other_tenant, 3)):
            for i in range(n):
                made = client.post(
                    "/v1/customers", json={"external_id": f"{who}-{round_}-{i}", "first_name": "X"}
                )
                assert made.status_code == 201, made.json
                seen[who].append(made.json)
                locations.append(made.headers["Location"])
    a_ids = [c["id"] for c in seen["a"]]
    _gaps_reveal_nothing(a_ids)
    # each Location names the public id, and the public id is what the API takes back
    for made, location in zip(seen["a"], locations[::4], strict=True):
        assert location == f"/v1/customers/{made['id']}"
        got = tenant.get(location)
        assert got.status_code == 200 and got.json["external_id"] == made["external_id"]
    # the database's own ids are consecutive across the tenants: that is what is hidden
    with psycopg.connect(db_url) as c:
        rows = c.execute("SELECT id FROM customers ORDER BY id").fetchall()
    assert [r[0] for r in rows] == list(range(1, 33))
    assert not set(a_ids) & {r[0] for r in rows}
    # a row id, or another tenant's public id, is nothing to this tenant
    assert tenant.get("/v1/customers/2").status_code == 404
    b_first = seen["b"][0]["id"]
    missing = tenant.get(f"/v1/customers/{b_first}")
    assert missing.status_code == 404 and str(b_first) in missing.json["detail"]
    assert "/2 " not in missing.json["detail"]


def test_every_kind_of_id_a_tenant_is_given_is_public(tenant, other_tenant):
    """Campaigns, templates, packets, messages, appointments, locations, events, cursors and
    the packet's links: no sequence value anywhere in what comes back."""
    for client in (other_tenant, tenant, other_tenant):
        assert client.post("/v1/campaigns", json=CAMPAIGN).status_code == 201
    campaign = tenant.post("/v1/campaigns", json=CAMPAIGN).json
    assert tenant.post(f"/v1/campaigns/{campaign['id']}/activate").status_code == 200
    template = tenant.post(
        "/v1/templates", json={"name": "t", "channel": "sms", "body": "Hi {{ first_name }}"}
    ).json
    step = {"name": "from template", "offset_minutes": -60, "template_id": template["id"]}
    from_template = tenant.post("/v1/campaigns", json={**CAMPAIGN, "steps": [step]})
    assert from_template.status_code == 201, from_template.json  # a public id read back
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    csv = (
        "customer_id,first_name,phone,appointment_id,appointment_at,location_id\n"
        f"c1,Ana,+13125550101,a1,{day}T10:00:00-06:00,main\n"
        f"c2,Bo,+13125550102,a2,{day}T11:00:00-06:00,main\n"
    )
    packet = tenant.post(
        f"/v1/campaigns/{campaign['id']}/packets",
        data=csv.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert packet.status_code == 201, packet.json
    shown = [json.dumps(packet.json)]
    for path in (
        packet.json["links"]["self"],
        packet.json["links"]["messages"] + "?limit=1",
        "/v1/appointments?external_id=a1",
        "/v1/locations",
        "/v1/customers?limit=1",
        "/v1/events?limit=50",
        "/v1/campaigns?limit=1",
        "/v1/api-keys",
        "/v1/account",
    ):
        got = tenant.get(path)
        assert got.status_code == 200, (path, got.json)
        shown.append(json.dumps(got.json))
    text = "\n".join(shown)
    numbers = [int(n) for n in re.findall(r'_?id"\s*:\s*(\d+)', text)]
    assert len(numbers) > 20
    assert all(n >= BASE for n in numbers), [n for n in numbers if n < BASE]
    for link in packet.json["links"].values():
        assert int(link.split("/")[3]) >= BASE
    # cursors carry no readable number
    page = tenant.get("/v1/customers?limit=1").json
    feed = tenant.get("/v1/events?limit=1").json
    for cursor in (page["next_cursor"], feed["next_cursor"]):
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        assert not re.fullmatch(rb"[0-9.]+", raw) and len(raw) == 16
    nxt = tenant.get(f"/v1/customers?limit=1&cursor={page['next_cursor']}")
    assert nxt.status_code == 200 and nxt.json["data"][0]["id"] != page["data"][0]["id"]
    # a message's own page, by the id the list gave
    message = tenant.get(packet.json["links"]["messages"]).json["data"][0]
    assert tenant.get(f"/v1/messages/{message['id']}").status_code == 200


def test_link_tokens_carry_no_row_id():
    signer = LinkSigner(SECRET)
    for message_id in (1, 2, 3, 1000):
        token = signer.token(message_id, "r")
        payload = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        assert payload[0] == "r" and payload[1] == IDS.encode(message_id)
        assert signer.message_id(token, "r") == message_id
    a = signer.token(41, "r")
    assert json.loads(base64.urlsafe_b64decode(a.split(".")[0] + "=="))[1] != 41
    # the first format (row id inside), already sent in messages, still opens its page
    from itsdangerous import URLSafeSerializer

    old = URLSafeSerializer(SECRET, salt="reminderly-links-v1").dumps(["r", 42])
    assert signer.message_id(old, "r") == 42
    assert signer.message_id(old, "u") is None


@pytest.mark.parametrize("bad", [0, 1, BASE - 1, 2 * BASE, -BASE])
def test_what_is_no_public_id_decodes_to_nothing(bad):
    assert IDS.decode(bad) is None


def test_the_permutation_is_a_bijection_and_keyed():
    sample = range(1, 20_001)
    public = [IDS.encode(i) for i in sample]
    assert len(set(public)) == len(public)
    assert [IDS.decode(p) for p in public] == list(sample)
    other = PublicIds("another deployment")
    assert sum(other.encode(i) == IDS.encode(i) for i in sample) == 0
    # consecutive rows land anywhere in the space: half of the steps go down
    downs = sum(b < a for a, b in itertools.pairwise(public))
    assert 0.45 < downs / len(public) < 0.55
