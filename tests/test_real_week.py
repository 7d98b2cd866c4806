"""How businesses really use packets: the same list into several campaigns, changes that apply
to every campaign, daily snapshots that cancel what vanished, and dry runs."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from helpers import load_rows, make_campaign, person, statuses

from app_service import packet_state, packets
from app_service.models import Snapshot
from tests.api_support import row as row_id


def test_every_campaign_plans_for_every_row_it_receives(conn, account, campaign):
    survey = make_campaign(conn, account, kind="survey", channel="email", offsets=(2,))
    rows = [person(i) for i in range(1, 11)]
    first = load_rows(conn, campaign, rows)
    second = load_rows(conn, survey, rows)
    assert first.messages_planned == 20
    assert second.messages_planned == 10  # the appointments were known: still planned here
    assert packet_state.packet_status(conn, second.packet_id).appointments["unchanged"] == 10
    assert statuses(conn, campaign_id=survey) == {"scheduled": 10}
    # the same list again into the survey plans nothing more (one message per step)
    again = load_rows(conn, survey, [*rows, person(11)])
    assert again.messages_planned == 1


def test_a_cancellation_through_one_campaign_cancels_everywhere(conn, account, campaign):
    survey = make_campaign(conn, account, kind="survey", channel="email", offsets=(2,))
    load_rows(conn, campaign, [person(1), person(2)])
    load_rows(conn, survey, [person(1), person(2)])
    result = load_rows(
        conn, campaign, [{"customer_id": "c1", "appointment_id": "a1", "status": "cancelled"}]
    )
    assert statuses(conn, campaign_id=survey) == {
        "scheduled": 1,
        "cancelled:appointment_cancelled": 1,
    }
    assert statuses(conn, campaign_id=campaign) == {
        "scheduled": 2,
        "cancelled:appointment_cancelled": 2,
    }
    effects = {
        e["campaign_id"]: e for e in packet_state.packet_status(conn, result.packet_id).effects
    }
    assert effects[survey]["cancelled"] == 1 and effects[campaign]["cancelled"] == 2


def test_a_move_through_one_campaign_replans_everywhere(conn, account, campaign):
    survey = make_campaign(conn, account, kind="survey", channel="email", offsets=(2,))
    load_rows(conn, campaign, [person(1, hours=72)])
    load_rows(conn, survey, [person(1, hours=72)])
    load_rows(conn, campaign, [person(1, hours=96)])
    starts = conn.execute("SELECT starts_at FROM appointments").fetchone()[0]
    (survey_at,) = conn.execute(
        "SELECT send_at FROM messages WHERE campaign_id = %s", [survey]
    ).fetchone()
    assert survey_at == starts + timedelta(hours=2)


def _scope(hours_from: float, hours_to: float, **kw) -> Snapshot:
    now = datetime.now(UTC)
    return Snapshot(now + timedelta(hours=hours_from), now + timedelta(hours=hours_to), **kw)


def test_a_snapshot_cancels_what_it_no_longer_holds(conn, account, campaign):
    day = [person(i, hours=30 + i) for i in range(1, 6)]
    load_rows(conn, campaign, day, snapshot=_scope(24, 48))
    result = load_rows(conn, campaign, day[:4], snapshot=_scope(24, 48))
    status = packet_state.packet_status(conn, result.packet_id)
    assert status.appointments["absent"] == 1
    assert statuses(conn, appointment_id=_appointment(conn, "a5")) == {
        "cancelled:absent_from_snapshot": 2
    }
    # appointments outside the scope are not touched
    assert "cancelled:absent_from_snapshot" not in statuses(
        conn, appointment_id=_appointment(conn, "a1")
    )


def test_a_snapshot_that_would_wipe_the_day_is_refused_unless_forced(conn, account, campaign):
    day = [person(i, hours=30 + i) for i in range(1, 6)]
    load_rows(conn, campaign, day)
    refused = load_rows(conn, campaign, day[:2], snapshot=_scope(24, 48), idempotency_key="k1")
    assert (refused.status, refused.problem) == ("refused", "snapshot_limit")
    assert refused.detail == {"absent": 3, "scope": 5, "limit": 0.5}
    assert "would cancel 3 of the 5 booked appointments" in refused.failure_reason
    assert statuses(conn) == {"scheduled": 10}  # nothing changed
    # the same key again, forced: the refused attempt left nothing behind to replay
    forced = load_rows(
        conn, campaign, day[:2], snapshot=_scope(24, 48, force=True), idempotency_key="k1"
    )
    assert forced.status == "ready" and forced.created
    assert statuses(conn) == {"scheduled": 4, "cancelled:absent_from_snapshot": 6}


def test_a_rejected_row_still_protects_its_appointment(conn, account, campaign):
    day = [person(i, hours=30 + i) for i in range(1, 4)]
    load_rows(conn, campaign, day)
    load_rows(conn, campaign, [*day[:2], person(3, hours=33, phone="12")], snapshot=_scope(24, 48))
    assert "cancelled:absent_from_snapshot" not in statuses(conn)


def test_a_snapshot_scoped_to_locations_leaves_other_locations_alone(conn, account, campaign):
    rows = [person(1, hours=30, location_id="north"), person(2, hours=31, location_id="south")]
    load_rows(conn, campaign, rows)
    load_rows(conn, campaign, rows[:1], snapshot=_scope(24, 48, locations=("north",)))
    assert statuses(conn) == {"scheduled": 4}
    load_rows(conn, campaign, rows[:1], snapshot=_scope(24, 48, locations=("south",), force=True))
    assert statuses(conn, appointment_id=_appointment(conn, "a2")) == {
        "cancelled:absent_from_snapshot": 2
    }


def test_a_dry_run_reports_what_a_load_would_do_and_keeps_nothing(conn, account, campaign):
    survey = make_campaign(conn, account, kind="survey", channel="email", offsets=(2,))
    load_rows(conn, campaign, [person(1), person(2)])
    load_rows(conn, survey, [person(1), person(2)])
    before = _table_counts(conn)
    rows = [
        person(1, hours=96),  # moved
        {"customer_id": "c2", "appointment_id": "a2", "status": "cancelled"},
        person(3),  # new
        person(4, phone="12"),  # rejected
    ]
    result = packets.load_packet(conn, campaign, _source(rows), dry_run=True)
    assert _table_counts(conn) == before
    preview = result.preview
    assert preview["dry_run"] is True
    assert preview["rows"] == {"submitted": 4, "accepted": 3, "rejected": 1, "warned": 0, "read": 4}
    assert preview["appointments"] == {
        "new": 1,
        "moved": 1,
        "cancelled": 1,
        "absent": 0,
        "unchanged": 0,
    }
    effects = {e["campaign_id"]: e for e in preview["effects"]}
    assert effects[campaign] | {"first_send_at": None} == {
        "campaign_id": campaign,
        "planned": 2,
        "suppressed": 0,
        "replanned": 2,
        "cancelled": 2,
        "first_send_at": None,
    }
    assert (effects[survey]["replanned"], effects[survey]["cancelled"]) == (1, 1)
    assert preview["first_send_at"] is not None
    assert [e["row_no"] for e in preview["row_errors"]] == [4]
    assert preview["row_errors"][0]["errors"][0]["column"] == "phone"


def test_a_dry_run_of_a_refused_snapshot_says_so(conn, account, campaign):
    load_rows(conn, campaign, [person(i, hours=30 + i) for i in range(1, 5)])
    result = packets.load_packet(
        conn, campaign, _source([person(1, hours=31)]), snapshot=_scope(24, 48), dry_run=True
    )
    assert (result.status, result.problem) == ("refused", "snapshot_limit")
    assert conn.execute("SELECT count(*) FROM packets").fetchone() == (1,)


def _source(rows):
    from app_service.packet_source import rows_source

    return rows_source(rows)


def _appointment(conn, external_id: str) -> int:
    return conn.execute(
        "SELECT id FROM appointments WHERE external_id = %s", [external_id]
    ).fetchone()[0]


def _table_counts(conn) -> dict[str, int]:
    tables = ("packets", "packet_rows", "customers", "appointments", "messages", "locations")
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


# --- over the API -------------------------------------------------------------------------------


def _api_campaign(tenant) -> int:
    from tests.api_support import CAMPAIGN

    c = tenant.post("/v1/campaigns", json=CAMPAIGN)
    assert tenant.post(f"/v1/campaigns/{c.json['id']}/activate").status_code == 200
    return c.json["id"]


def _iso(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def test_api_snapshot_dry_run_and_refusal(tenant, conn):
    cid = _api_campaign(tenant)
    url = f"/v1/campaigns/{cid}/packets"
    day = [person(i, hours=30 + i) for i in range(1, 5)]
    scope = f"snapshot_from={_iso(24)}&snapshot_to={_iso(48)}"
    assert tenant.post(f"{url}?{scope}", json=day).status_code == 201

    dry = tenant.post(f"{url}?{scope}&dry_run=true", json=day[:3])
    assert dry.status_code == 200, dry.json
    assert dry.json["dry_run"] is True and dry.json["appointments"]["absent"] == 1
    assert dry.json["snapshot"]["force"] is False
    assert conn.execute("SELECT count(*) FROM packets").fetchone() == (1,)

    refused = tenant.post(f"{url}?{scope}", json=day[:1], headers={"Idempotency-Key": "d2"})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert (refused.json["absent"], refused.json["scope"]) == (3, 4)
    assert refused.json["errors"][0]["parameter"] == "force"
    forced = tenant.post(
        f"{url}?{scope}&force=true", json=day[:1], headers={"Idempotency-Key": "d2"}
    )
    assert forced.status_code == 201 and forced.json["appointments"]["absent"] == 3


def test_api_rejects_malformed_snapshots_and_dry_runs_with_keys(tenant):
    url = f"/v1/campaigns/{_api_campaign(tenant)}/packets"
    body = [person(1)]
    cases = {
        f"snapshot_from={_iso(1)}": "snapshot_to",
        f"snapshot_to={_iso(1)}": "snapshot_from",
        f"snapshot_from={_iso(5)}&snapshot_to={_iso(1)}": "snapshot_to",
        "snapshot_from=2026-12-01T00:00&snapshot_to=2026-12-02T00:00Z": "snapshot_from",
        "snapshot_from=tomorrow&snapshot_to=2026-12-02T00:00Z": "snapshot_from",
        f"snapshot_from={_iso(1)}&snapshot_to={_iso(24 * 100)}": "snapshot_to",
        "force=true": "snapshot_from",
        f"snapshot_from={_iso(1)}&snapshot_to={_iso(2)}&snapshot_locations=,": "snapshot_locations",
        "dry_run=maybe": "dry_run",
    }
    for query, parameter in cases.items():
        r = tenant.post(f"{url}?{query}", json=body)
        assert r.status_code == 400, (query, r.json)
        assert r.json["errors"][0]["parameter"] == parameter, (query, r.json)
    r = tenant.post(f"{url}?dry_run=true", json=body, headers={"Idempotency-Key": "x"})
    assert r.status_code == 400 and r.json["errors"][0]["parameter"] == "Idempotency-Key"


def test_api_empty_packet_is_422(tenant):
    url = f"/v1/campaigns/{_api_campaign(tenant)}/packets"
    for kwargs in (
        {"json": []},
        {"data": b"customer_id,phone\n", "headers": {"Content-Type": "text/csv"}},
    ):
        r = tenant.post(url, **kwargs)
        assert r.status_code == 422 and r.json["detail"] == "the packet holds no rows", r.json
    r = tenant.post(f"{url}?dry_run=true", json=[])
    assert r.status_code == 422


def test_locations_over_the_api_drive_scheduling_and_review_links(tenant, other_tenant, conn):
    made = tenant.post(
        "/v1/locations",
        json={
            "external_id": "phx",
            "name": "Phoenix",
            "timezone": "America/Phoenix",
            "review_url": "https://g.page/r/phx/review",
            "address": "1 Main St",
            "send_window": {"start": "08:00", "end": "18:00"},
        },
    )
    assert made.status_code == 201, made.json
    loc = made.json
    assert loc["send_window"] == {"start": "08:00", "end": "18:00"}
    assert made.headers["Location"] == f"/v1/locations/{loc['id']}"
    # an update changes only what it names
    again = tenant.post("/v1/locations", json={"external_id": "phx", "name": "Phoenix West"})
    assert again.status_code == 200 and again.json["timezone"] == "America/Phoenix"
    assert again.json["name"] == "Phoenix West"
    assert tenant.get("/v1/locations?external_id=phx").json["data"][0]["id"] == loc["id"]
    assert other_tenant.get(f"/v1/locations/{loc['id']}").status_code == 404
    assert other_tenant.get("/v1/locations").json["data"] == []
    for bad, pointer in [
        ({"external_id": "x", "timezone": "Mars/Base"}, "/timezone"),
        ({"external_id": "x", "review_url": "javascript:alert(1)"}, "/review_url"),
        (
            {"external_id": "x", "send_window": {"start": "18:00", "end": "08:00"}},
            "/send_window/end",
        ),
        ({"external_id": ""}, "/external_id"),
        ({"external_id": "x", "colour": "red"}, ""),
    ]:
        r = tenant.post("/v1/locations", json=bad)
        assert r.status_code == 400, (bad, r.json)
        assert r.json["errors"][0]["pointer"].startswith(pointer), (bad, r.json)

    # a row at the location without a timezone of its own is read in the location's zone, and
    # its reminder goes out in the location's window
    cid = _api_campaign(tenant)
    row = person(1, appointment_at="2027-01-05T09:00", location_id="phx")
    row.pop("timezone", None)
    assert tenant.post(f"/v1/campaigns/{cid}/packets", json=[row]).status_code == 201
    conn.execute("SET TIME ZONE 'UTC'")
    starts, tz = conn.execute("SELECT starts_at::text, timezone FROM appointments").fetchone()
    assert (starts, tz) == ("2027-01-05 16:00:00+00", "America/Phoenix")
    # the 2-hours-before step (07:00 local) waits for the location's window (08:00), which
    # is still before the appointment
    (two_hours,) = conn.execute("SELECT send_at::text FROM messages WHERE step = 2").fetchone()
    assert two_hours == "2027-01-05 15:00:00+00"


def test_an_undefined_location_is_kept_with_a_warning(tenant):
    cid = _api_campaign(tenant)
    r = tenant.post(f"/v1/campaigns/{cid}/packets", json=[person(1, location_id="nowhere")])
    assert r.status_code == 201
    assert r.json["rows"]["warned"] == 1
    assert r.json["warnings_by_reason"] == [
        {
            "column": "location_id",
            "reason": "not defined for the account: the account's defaults apply",
            "count": 1,
        }
    ]


def test_appointments_over_the_api_with_messages_in_every_campaign(tenant, other_tenant):
    from tests.api_support import CAMPAIGN

    reminder = _api_campaign(tenant)
    survey = tenant.post(
        "/v1/campaigns",
        json={
            **CAMPAIGN,
            "name": "Survey",
            "kind": "survey",
            "channel": "sms",
            "steps": [{"name": "after", "offset_minutes": 120, "template": "How was it?"}],
        },
    ).json["id"]
    tenant.post(f"/v1/campaigns/{survey}/activate")
    rows = [person(1), person(2)]
    for cid in (reminder, survey):
        assert tenant.post(f"/v1/campaigns/{cid}/packets", json=rows).status_code == 201
    listed = tenant.get("/v1/appointments?external_id=a1").json["data"]
    assert len(listed) == 1 and listed[0]["customer"]["external_id"] == "c1"
    one = tenant.get(f"/v1/appointments/{listed[0]['id']}").json
    assert sorted((m["campaign_id"], m["step"]) for m in one["messages"]) == sorted(
        [(reminder, 1), (reminder, 2), (survey, 1)]
    )  # public ids: no order between the two campaigns
    assert {m["status"] for m in one["messages"]} == {"scheduled"}
    cancel = [{"customer_id": "c1", "appointment_id": "a1", "status": "cancelled"}]
    assert tenant.post(f"/v1/campaigns/{survey}/packets", json=cancel).status_code == 201
    one = tenant.get(f"/v1/appointments/{listed[0]['id']}").json
    assert one["status"] == "cancelled" and one["last_change"] == "cancelled"
    assert {m["reason"] for m in one["messages"]} == {"appointment_cancelled"}
    assert tenant.get("/v1/appointments?status=cancelled").json["data"][0]["id"] == one["id"]
    assert other_tenant.get(f"/v1/appointments/{one['id']}").status_code == 404
    assert other_tenant.get("/v1/appointments").json["data"] == []


# --- big uploads load in the background ---------------------------------------------------------


def test_a_big_upload_answers_202_and_a_worker_loads_it(tenant, db_url, conn):
    from app_service import packet_loader
    from tests.helpers import csv_bytes

    url = f"/v1/campaigns/{_api_campaign(tenant)}/packets"
    body = csv_bytes([person(i) for i in range(1, 301)] + [person(400, phone="12")])
    stored = tenant.post(
        url,
        data=body,
        headers={"Content-Type": "text/csv", "Prefer": "respond-async", "Idempotency-Key": "big-1"},
    )
    assert stored.status_code == 202, stored.json
    assert stored.json["status"] == "receiving" and stored.json["body_bytes"] == len(body)
    assert stored.headers["Preference-Applied"] == "respond-async"
    location = stored.headers["Location"]
    # the same key and body again while it waits: the same packet; another body: 409
    again = tenant.post(
        url,
        data=body,
        headers={"Content-Type": "text/csv", "Prefer": "respond-async", "Idempotency-Key": "big-1"},
    )
    assert again.status_code == 200 and again.json["id"] == stored.json["id"]
    other = tenant.post(
        url,
        data=body + b"c9,x\n",
        headers={"Content-Type": "text/csv", "Prefer": "respond-async", "Idempotency-Key": "big-1"},
    )
    assert other.status_code == 409

    seen: list[int] = []
    original = packet_loader.packets.PROGRESS_EVERY
    packet_loader.packets.PROGRESS_EVERY = 100  # report progress every 100 rows
    try:
        real = packet_loader.one

        def spy(conn_, query, params=None):
            if query is packet_loader.Q.renew_packet_load:
                seen.append(params["rows"])
            return real(conn_, query, params)

        packet_loader.one = spy
        result = packet_loader.load_next(db_url, "test-worker")
    finally:
        packet_loader.one = real
        packet_loader.packets.PROGRESS_EVERY = original
    assert result is not None and result.status == "ready"
    assert seen[:3] == [100, 200, 300]
    done = tenant.get(location).json
    assert done["status"] == "ready"
    assert done["rows"] == {
        "submitted": 301,
        "accepted": 300,
        "rejected": 1,
        "warned": 0,
        "read": 301,
    }
    assert conn.execute("SELECT count(*) FROM packet_uploads").fetchone() == (0,)
    assert packet_loader.load_next(db_url, "test-worker") is None  # nothing left to load


def test_a_chunked_body_over_the_threshold_goes_to_the_background(tenant, app):
    from tests.helpers import csv_bytes

    app.config["ASYNC_PACKET_BYTES"] = 2000
    url = f"/v1/campaigns/{_api_campaign(tenant)}/packets"
    body = csv_bytes([person(i) for i in range(1, 60)])
    assert len(body) > 2000

    # no Content-Length (a chunked upload): read up to the threshold to decide
    r = tenant.post(url, input_stream=io.BytesIO(body), headers={"Content-Type": "text/csv"})
    assert r.status_code == 202, r.json
    assert r.json["body_bytes"] == len(body)
    small = io.BytesIO(csv_bytes([person(900)]))
    r = tenant.post(url, input_stream=small, headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.json


def test_a_worker_killed_mid_load_leaves_a_failed_packet_and_the_key_loads_again(
    tenant, db_url, conn
):
    import os
    import signal
    import subprocess
    import sys
    import time as _time

    from app_service import dispatch_queue
    from tests.helpers import csv_bytes

    url = f"/v1/campaigns/{_api_campaign(tenant)}/packets"
    body = csv_bytes([person(i) for i in range(1, 60_001)])
    headers = {"Content-Type": "text/csv", "Prefer": "respond-async", "Idempotency-Key": "k-kill"}
    stored = tenant.post(url, data=body, headers=headers)
    assert stored.status_code == 202
    packet_id = stored.json["id"]
    code = (
        "import sys\nfrom datetime import timedelta\nfrom app_service import packet_loader\n"
        "packet_loader.packets.PROGRESS_EVERY = 1000\n"
        "packet_loader.load_next(sys.argv[1], 'doomed', timedelta(seconds=1))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, db_url], env={**os.environ})
    deadline = _time.monotonic() + 60
    while _time.monotonic() < deadline:  # kill it once it has read some rows
        (read,) = conn.execute(
            "SELECT rows_read FROM packets WHERE id = %s", [row_id(packet_id)]
        ).fetchone()
        if read >= 2000:
            break
        _time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert conn.execute(
        "SELECT status FROM packets WHERE id = %s", [row_id(packet_id)]
    ).fetchone() == ("loading",)
    _time.sleep(1.2)  # the 1 s lease runs out
    assert dispatch_queue.fail_stale_loads(conn) == 1
    failed = tenant.get(f"/v1/packets/{packet_id}").json
    assert failed["status"] == "failed" and "load interrupted" in failed["failure_reason"]
    # nothing of it was kept, and the same key loads anew
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM packet_uploads").fetchone() == (0,)
    again = tenant.post(url, data=body, headers=headers)
    assert again.status_code == 202 and again.json["id"] != packet_id


def test_the_packet_loader_thread_stops_and_joins(db_url):
    """The worker stops its loader and waits for it: stop() ends the loop and join() returns
    (a stop event named `_stop` once shadowed threading.Thread's own and made join() raise)."""
    from app_service.packet_loader import PacketLoader

    loader = PacketLoader(db_url, "join-test", idle_seconds=0.05)
    loader.start()
    loader.stop()
    loader.join(timeout=10)
    assert not loader.is_alive()
