"""The events feed over the API: order, pagination, filters, tenant isolation, and the
commit-safe horizon (an open transaction holds newer events back instead of letting a cursor
pass its event)."""

from __future__ import annotations

import psycopg

from app_service.queries import Q
from app_service.replies import handle_reply
from tests.helpers import load_rows, make_campaign, person
from tests.test_events import send_step


def feed(tenant, **params) -> dict:
    response = tenant.get("/v1/events", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def test_the_feed_pages_in_order_filters_by_type_and_hides_other_accounts(
    conn, tenant, other_tenant
):
    campaign = make_campaign(conn, tenant.account_id, offsets=(-48,))
    load_rows(conn, campaign, [person(i) for i in range(1, 6)])
    sent = send_step(conn)
    handle_reply(conn, sent[0], "STOP")

    everything = feed(tenant, limit=200)
    types = [e["type"] for e in everything["data"]]
    assert types == ["packet.ready"] + ["message.sent"] * 5 + [
        "reply.received",
        "consent.opted_out",
    ]
    assert everything["has_more"] is False
    ids = [e["id"] for e in everything["data"]]

    seen, cursor = [], None
    while True:
        page = feed(tenant, limit=3, **({"after": cursor} if cursor else {}))
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == ids
    assert feed(tenant, after=cursor)["data"] == []  # caught up; the cursor stays usable
    handle_reply(conn, sent[1], "yes")
    newer = feed(tenant, after=cursor)["data"]
    assert [e["type"] for e in newer] == ["reply.received", "appointment.confirmed"]

    only = feed(tenant, type="consent.opted_out,appointment.confirmed")["data"]
    assert [e["type"] for e in only] == ["consent.opted_out", "appointment.confirmed"]
    assert only[0]["data"]["customer"]["external_id"] == "c1"

    # another account sees none of them, with or without a cursor, and the table itself is
    # behind row-level security for the API's role
    assert feed(other_tenant)["data"] == []
    assert feed(other_tenant, after=cursor)["data"] == []
    with conn.transaction():
        conn.execute("SET LOCAL ROLE reminderly_api")
        conn.execute(
            "SELECT set_config('reminderly.account_id', %s, true)", [str(other_tenant.account_id)]
        )
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
        conn.execute(
            "SELECT set_config('reminderly.account_id', %s, true)", [str(tenant.account_id)]
        )
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (len(ids) + 2,)


def test_bad_cursors_and_unknown_types_are_precise_400s(tenant):
    for params, name in (
        ({"after": "bm9wZQ"}, "after"),
        ({"type": "message.sent,message.exploded"}, "type"),
        ({"type": "Message"}, "type"),
    ):
        response = tenant.get("/v1/events", query_string=params)
        assert response.status_code == 400
        assert response.json["errors"][0]["parameter"] == name


def test_a_rolled_back_change_is_never_in_the_feed(conn, tenant):
    campaign = make_campaign(conn, tenant.account_id, offsets=(-48,))
    load_rows(conn, campaign, [person(1)])
    (message,) = send_step(conn)
    before = feed(tenant)["data"]
    try:
        with conn.transaction():
            handle_reply(conn, message, "STOP")
            raise RuntimeError("the request failed after the change")
    except RuntimeError:
        pass
    assert feed(tenant)["data"] == before
    assert conn.execute("SELECT sms_opted_out_at FROM customers").fetchone() == (None,)


def test_an_open_transaction_holds_later_events_back_so_no_cursor_skips_one(conn, db_url, tenant):
    campaign = make_campaign(conn, tenant.account_id, offsets=(-48,))
    load_rows(conn, campaign, [person(1), person(2)])
    first, second = send_step(conn)
    cursor = feed(tenant)["next_cursor"]
    with psycopg.connect(db_url) as slow:  # a transaction that takes its event id first
        handle_reply(slow, first, "STOP")
        handle_reply(conn, second, "STOP")  # commits before it
        page = feed(tenant, after=cursor)
        assert page["data"] == []  # held back: the slow one's event would land behind it
        slow.commit()
    page = feed(tenant, after=cursor)
    assert [(e["type"], e["data"]["customer"]["external_id"]) for e in page["data"]] == [
        ("reply.received", "c1"),
        ("consent.opted_out", "c1"),
        ("reply.received", "c2"),
        ("consent.opted_out", "c2"),
    ]


def test_every_payload_matches_its_webhook_schema_in_the_definition(conn, tenant):
    from openapi_schema_validator import OAS31Validator

    from app_service.api.spec import bundle

    doc = bundle()
    location = "INSERT INTO locations (account_id, external_id) VALUES (%s, 'loc-1')"
    conn.execute(location, [tenant.account_id])
    reminder = make_campaign(conn, tenant.account_id, offsets=(-48,))
    survey = make_campaign(conn, tenant.account_id, kind="survey", offsets=(-48,))
    review = make_campaign(conn, tenant.account_id, kind="review_request", offsets=(-48,))
    load_rows(conn, reminder, [person(1, location_id="loc-1"), person(2), person(3)])
    load_rows(conn, survey, [person(4)])
    load_rows(conn, review, [person(5)])
    load_rows(conn, reminder, [])  # packet.failed
    m1, m2, m3, s, r = send_step(conn)
    conn.execute("SELECT record_delivery('sms', 'e1', %s, 'delivered')", [f"p-{m1}"])
    conn.execute("SELECT record_delivery('sms', 'e2', %s, 'failed')", [f"p-{m2}"])
    handle_reply(conn, m1, "yes")
    handle_reply(conn, m3, "no")
    handle_reply(conn, m3, "STOP")
    handle_reply(conn, m3, "START")
    conn.execute("SELECT record_survey_response(%s, 10, NULL, 'web')", [s])
    conn.execute("SELECT record_click(%s, 'review_request')", [r])
    conn.execute("UPDATE messages SET status = 'dead' WHERE id = %s", [m2])

    found = feed(tenant, limit=200)["data"]
    assert {e["type"] for e in found} == set(doc["webhooks"]) - {"webhook_endpoint.disabled"}
    for event in found:
        schema = doc["webhooks"][event["type"]]["post"]["requestBody"]["content"]
        OAS31Validator({**doc, **schema["application/json"]["schema"]}).validate(event)


def test_the_feed_and_the_fan_out_read_events_by_index(conn, account):
    """At 40,000 events over 20 accounts, a page of one account's feed and the fan-out's
    next batch are index range scans, never a scan of the whole events table."""
    conn.execute(
        "INSERT INTO events (account_id, type, data)"
        " SELECT 1 + i % 20, 'message.sent', '{}' FROM generate_series(1, 40000) AS i"
    )
    conn.execute("ANALYZE events")
    params = {"account_id": 3, "txid": "0", "after_id": 100, "types": None, "limit": 51}
    with conn.cursor() as cur:
        cur.execute("EXPLAIN " + Q.list_events, params)
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "Index" in plan and "Seq Scan on events" not in plan, plan
    fan_out = conn.execute(
        "EXPLAIN SELECT id FROM events WHERE (txid, id) > ('0'::xid8, 100)"
        " AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid, id LIMIT 1000"
    ).fetchall()
    plan = "\n".join(r[0] for r in fan_out)
    assert "events_order_idx" in plan, plan


def test_the_feed_orders_by_the_transaction_number_not_its_text(conn, tenant):
    """Transaction ids cross 999 -> 1000 in a live database: the page must sort the xid8
    column, not the `txid::text` it returns, or a cursor past "1044" skips every event of
    transactions 888 to 997 (has_more false, those events never shown)."""
    for txid, kind in (
        ("100", "webhook_endpoint.disabled"),
        ("9", "packet.failed"),
        ("10", "packet.ready"),
    ):
        conn.execute(
            "INSERT INTO events (account_id, type, data, txid) VALUES (%s, %s, '{}', %s)",
            [tenant.account_id, kind, txid],
        )
    everything = feed(tenant, limit=200)["data"]
    assert [e["type"] for e in everything] == [
        "packet.failed",
        "packet.ready",
        "webhook_endpoint.disabled",
    ]
    seen, cursor = [], None
    while True:
        page = feed(tenant, limit=1, **({"after": cursor} if cursor else {}))
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [e["id"] for e in everything]
