"""Hostile templates at the API: creating, previewing (a stored one) and using one in a
campaign step answer 422 problem+json naming the template, within a bounded time, in-process
and over gunicorn, while another tenant is served as usual."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.api_support import CAMPAIGN, pub
from tests.security.attacks import CLASSES
from tests.test_api_server import Client, _token

BOUND_SECONDS = 5.0  # the render timeout is 1 s; a killed renderer restarts in about 0.1 s


def _unprocessable(response, pointer: str | None) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["errors"][0]["field"] == "template"
    assert body["errors"][0].get("pointer") == pointer
    assert "0x" not in response.get_data(as_text=True)  # no heap address in any detail
    return body


def _timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < BOUND_SECONDS, f"{elapsed:.1f} s"
    return response


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_creating_a_hostile_template_answers_422(tenant, other_tenant, name):
    for i, payload in enumerate(CLASSES[name]):
        data = {"name": f"{name}-{i}", "channel": "sms", "body": payload}
        r = _timed(tenant.post, "/v1/templates", json=data)
        _unprocessable(r, "/body")
    email = {"name": "mail", "channel": "email", "body": "Hi", "subject": CLASSES[name][0]}
    _unprocessable(_timed(tenant.post, "/v1/templates", json=email), "/subject")
    assert tenant.get("/v1/templates").json["data"] == []  # nothing stored
    ok = other_tenant.post("/v1/templates", json={"name": "ok", "channel": "sms", "body": "Hi"})
    assert ok.status_code == 201


def _stored(conn, account_id: int, name: str, body: str) -> int:
    """A template written straight to the database with its first version (as one stored
    before these rules was, by the history's backfill): what no API call would accept."""
    return conn.execute(
        "WITH t AS (INSERT INTO templates (account_id, name, channel, body)"
        " VALUES (%s, %s, 'sms', %s) RETURNING id, account_id, body)"
        " INSERT INTO template_versions (account_id, template_id, version, body)"
        " SELECT account_id, id, 1, body FROM t RETURNING template_id",
        [account_id, name, body],
    ).fetchone()[0]


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_previewing_a_stored_hostile_template_answers_422(conn, tenant, name):
    """Templates stored before these rules (or failing only with some data) cannot hurt a
    preview either."""
    for i, payload in enumerate(CLASSES[name]):
        tid = _stored(conn, tenant.account_id, f"{name}-{i}", payload)
        fields = {"merge_fields": {"first_name": "Ann"}}
        r = _timed(tenant.post, f"/v1/templates/{pub(tid)}/preview", json=fields)
        body = _unprocessable(r, None)
        assert body["detail"].startswith("template: body ")
    assert tenant.get("/v1/templates").status_code == 200  # the listing still reads them


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_a_campaign_step_with_a_hostile_template_answers_422(tenant, name):
    for payload in CLASSES[name][:3]:
        steps = [CAMPAIGN["steps"][0], {"name": "bad", "offset_minutes": -60, "template": payload}]
        r = _timed(tenant.post, "/v1/campaigns", json={**CAMPAIGN, "steps": steps})
        _unprocessable(r, "/steps/1/template")
    assert tenant.get("/v1/campaigns").json["data"] == []


def test_a_leaking_preview_shows_no_heap_address(conn, tenant):
    tid = _stored(conn, tenant.account_id, "leak", "{{ {}.pop }} {{ joiner() }}")
    r = tenant.post(f"/v1/templates/{pub(tid)}/preview", json={})
    assert r.status_code == 422 and "0x" not in r.get_data(as_text=True)


def test_attacks_over_gunicorn_get_4xx_in_time_and_other_tenants_are_served(gunicorn, db_url):
    """Every class at once from parallel connections, against one gunicorn worker with 4
    threads: each attack answers 422 in bounded time, the worker process stays up, and
    another tenant's requests keep answering meanwhile."""
    base, proc = gunicorn
    _, attacker = _token(db_url)
    _, bystander = _token(db_url)
    payloads = [p for name in sorted(CLASSES) for p in CLASSES[name][:2]]
    answers: list[tuple[int, float, str]] = []
    lock = threading.Lock()

    def attack(chunk: list[str], n: int) -> None:
        api = Client(base, attacker)
        for i, payload in enumerate(chunk):
            started = time.monotonic()
            status, _, body = api.call(
                "POST", "/v1/templates", {"name": f"a{n}-{i}", "channel": "sms", "body": payload}
            )
            with lock:
                answers.append((status, time.monotonic() - started, json.dumps(body)))

    threads = [threading.Thread(target=attack, args=(payloads[n::3], n)) for n in range(3)]
    for t in threads:
        t.start()
    served = []
    other = Client(base, bystander)
    while any(t.is_alive() for t in threads):
        started = time.monotonic()
        status, _, _ = other.call("GET", "/v1/templates")
        served.append((status, time.monotonic() - started))
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert proc.poll() is None  # the API process is still up
    assert len(answers) == len(payloads)
    for status, elapsed, body in answers:
        assert status == 422, body
        assert elapsed < 3 * BOUND_SECONDS
        assert "0x" not in body
    assert served and all(status == 200 for status, _ in served)
    assert max(elapsed for _, elapsed in served) < BOUND_SECONDS
    status, _, created = other.call(
        "POST", "/v1/templates", {"name": "fine", "channel": "sms", "body": "Hi {{ first_name }}"}
    )
    assert status == 201, created
    status, _, preview = other.call(
        "POST", f"/v1/templates/{created['id']}/preview", {"merge_fields": {"first_name": "Bo"}}
    )
    assert status == 200 and preview["body"] == "Hi Bo"
