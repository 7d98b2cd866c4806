"""Webhook delivery end to end: the worker's dispatcher signs by the Standard Webhooks
specification and posts to a real HTTP server on 127.0.0.1 (development policy), which
verifies with the `standardwebhooks` library. Failures (500s, timeouts) are retried with
backoff; the receiver, deduplicating by webhook-id, processes each event exactly once; order
per endpoint holds; production policy refuses loopback, metadata and private addresses at
connect time."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest

from app_service import safe_http, webhooks
from app_service.replies import handle_reply
from app_service.webhook_delivery import DeliverySettings, WebhookDispatcher
from tests.api_support import IDS, pub
from tests.helpers import load_rows, make_campaign, person
from tests.test_events import send_step
from tests.webhook_receiver import Receiver

FAST = DeliverySettings(
    retry_base=timedelta(milliseconds=50),
    retry_max=timedelta(milliseconds=200),
    retry_window=timedelta(minutes=5),
    disable_after=timedelta(hours=1),
    policy=safe_http.Policy(allow_http=True, allow_loopback=True, read_timeout=1.0),
)


def drain(dispatcher: WebhookDispatcher, until, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, "deliveries did not finish in time"
        if not dispatcher.run_once():
            time.sleep(0.05)


def endpoint(conn, account: int, url: str, policy=FAST.policy, **data) -> webhooks.Created:
    return webhooks.create(conn, account, {"url": url, **data}, policy)


@pytest.fixture
def dispatcher(db_url):
    d = WebhookDispatcher(db_url, "test-worker", FAST, ids=IDS)  # the test app's public ids
    yield d
    d.close()


def pending(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"
    ).fetchone()[0]


def test_events_arrive_signed_in_order_once_each_after_500s_and_a_timeout(
    conn, account, dispatcher
):
    made = endpoint(conn, account, "http://placeholder.invalid/")
    with Receiver(made.secret) as receiver:
        conn.execute("UPDATE webhook_endpoints SET url = %s", [receiver.url])
        campaign = make_campaign(conn, account, offsets=(-48,))
        load_rows(conn, campaign, [person(1), person(2), person(3)])
        first, *_ = send_step(conn)
        handle_reply(conn, first, "STOP")
        expected = [pub(r[0]) for r in conn.execute("SELECT id FROM events ORDER BY txid, id")]
        assert len(expected) == 6  # packet.ready, 3 x message.sent, reply, opted_out
        # the receiver fails: 500, 500, then stalls past the sender's timeout (it processed
        # the event, the sender never saw the answer), then recovers
        receiver.script.extend([500, 500, ("sleep", 1.5)])
        drain(
            dispatcher,
            lambda: (
                pending(conn) == 0
                and conn.execute("SELECT count(*) FROM webhook_deliveries").fetchone()[0] == 6
            ),
        )

        assert all(r["verified"] for r in receiver.requests)
        ids = [r["headers"]["webhook-id"] for r in receiver.requests]
        # at least once on the wire: the three first events went twice (500, 500, timeout;
        # then 200), the rest once
        assert [ids.count(f"evt_{i}") for i in expected] == [2, 2, 2, 1, 1, 1]
        # exactly once after deduplication on webhook-id
        assert sorted(receiver.processed) == sorted(f"evt_{i}" for i in expected)
        types = {k: p["type"] for k, p in receiver.processed.items()}
        assert sorted(types.values()) == sorted(
            [
                "packet.ready",
                "message.sent",
                "message.sent",
                "message.sent",
                "reply.received",
                "consent.opted_out",
            ]
        )
        # in order per resource: customer c1's sent, reply, opt-out reached the receiver (as
        # a 2xx) in that order, though its first event waited for a retry
        ok = [r["headers"]["webhook-id"] for r in receiver.requests if r["status"] == 200]
        c1 = [
            f"evt_{i}"
            for i in expected
            if receiver.processed[f"evt_{i}"]["data"].get("customer", {}).get("external_id") == "c1"
        ]
        assert [types[k] for k in c1] == ["message.sent", "reply.received", "consent.opted_out"]
        assert [k for k in ok if k in c1] == c1
        # ... while other resources did not wait: the first 2xx was c3's message, sent while
        # the packet's and c1's events were waiting for their retries
        assert ok[0] == f"evt_{expected[3]}"
        opted = receiver.processed[f"evt_{expected[-1]}"]
        assert opted["data"]["customer"]["external_id"] == "c1"

    attempts = conn.execute(
        "SELECT status_code, error IS NOT NULL, response_excerpt FROM webhook_attempts ORDER BY id"
    ).fetchall()
    assert [a[0] for a in attempts[:4]] == [500, 500, None, 200]
    assert attempts[2][1] is True  # the timeout, logged as an error
    assert all(len(a[2]) <= 1000 for a in attempts if a[2])  # a small excerpt of the answer
    assert conn.execute(
        "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'"
    ).fetchone() == (6,)


def test_attempts_are_listed_over_the_api_and_a_replay_is_delivered(
    conn, app, dispatcher, monkeypatch
):
    from tests.api_support import make_tenant

    monkeypatch.setenv("REMINDERLY_WEBHOOKS_DEV", "1")  # the API accepts a loopback URL
    tenant = make_tenant(conn, app, "Hooks")
    with Receiver("whsec_" + "A" * 32) as receiver:
        made = tenant.post(
            "/v1/webhook-endpoints", json={"url": receiver.url, "event_types": ["packet.ready"]}
        ).json
        receiver.secret = made["secret"]
        campaign = make_campaign(conn, tenant.account_id, offsets=(-48,))
        load_rows(conn, campaign, [person(1)])
        send_step(conn)  # message.sent: not subscribed
        receiver.script.append(503)
        drain(dispatcher, lambda: len(receiver.processed) == 1 and pending(conn) == 0)
        listed = tenant.get(f"/v1/webhook-endpoints/{made['id']}/attempts").json["data"]
        assert [(a["status_code"], a["event_type"]) for a in listed] == [
            (200, "packet.ready"),
            (503, "packet.ready"),
        ]
        assert listed[0]["response_excerpt"].startswith('{"ok": true}')
        event_id = listed[0]["event_id"]
        replay = tenant.post(
            f"/v1/webhook-endpoints/{made['id']}/replay", json={"event_id": event_id}
        )
        assert replay.status_code == 202
        drain(dispatcher, lambda: len(receiver.requests) == 3)
        assert receiver.requests[-1]["headers"]["webhook-id"] == f"evt_{event_id}"
        assert len(receiver.processed) == 1  # the receiver deduplicated the replay


def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new(conn, account, dispatcher):
    made = endpoint(conn, account, "http://placeholder.invalid/")
    with Receiver(made.secret) as receiver:
        conn.execute("UPDATE webhook_endpoints SET url = %s", [receiver.url])
        rotated = webhooks.rotate_secret(conn, made.endpoint["id"], timedelta(hours=1))
        load_rows(conn, make_campaign(conn, account, offsets=(-48,)), [person(1)])
        drain(dispatcher, lambda: len(receiver.requests) == 1)
        assert receiver.requests[0]["verified"]  # by the old secret
        assert len(receiver.requests[0]["headers"]["webhook-signature"].split(" ")) == 2
        receiver.secret = rotated.secret
        conn.execute("UPDATE webhook_endpoints SET previous_secret_expires_at = now()")
        send_step(conn)
        drain(dispatcher, lambda: len(receiver.requests) == 2)
        assert receiver.requests[1]["verified"]  # by the new one
        assert len(receiver.requests[1]["headers"]["webhook-signature"].split(" ")) == 1


def test_an_endpoint_failing_continuously_is_disabled_with_an_event(conn, account, db_url):
    people = (
        ("owner@example.com", "owner"),
        ("admin@example.com", "admin"),
        ("desk@example.com", "staff"),
    )
    for email, role in people:
        user = conn.execute(
            "INSERT INTO users (email) VALUES (%s) RETURNING id", [email]
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO memberships (account_id, user_id, role) VALUES (%s, %s, %s)",
            [account, user, role],
        )
    settings = DeliverySettings(
        retry_base=timedelta(milliseconds=20),
        retry_max=timedelta(milliseconds=20),
        retry_window=timedelta(minutes=5),
        disable_after=timedelta(milliseconds=100),
        policy=FAST.policy,
    )
    dispatcher = WebhookDispatcher(db_url, "w", settings, ids=IDS)
    try:
        with Receiver("whsec_" + "A" * 32) as down, Receiver("whsec_" + "A" * 32) as other:
            failing = endpoint(conn, account, down.url)
            watcher = endpoint(conn, account, other.url, event_types=["webhook_endpoint.disabled"])
            other.secret = watcher.secret
            down.script.extend([500] * 1000)
            load_rows(conn, make_campaign(conn, account, offsets=(-48,)), [person(1)])
            drain(dispatcher, lambda: len(other.processed) == 1)
            state = conn.execute(
                "SELECT enabled, disabled_reason FROM webhook_endpoints WHERE id = %s",
                [failing.endpoint["id"]],
            ).fetchone()
            assert state[0] is False and state[1].startswith("failing continuously since")
            (notice,) = other.processed.values()
            assert notice["type"] == "webhook_endpoint.disabled"
            assert notice["data"]["endpoint"]["id"] == pub(failing.endpoint["id"])
            tries = len(down.requests)
            dispatcher.run_once()
            assert len(down.requests) == tries  # nothing more is sent to it
            # the account's owners and admins get an email about it; staff do not
            mailed = sorted(
                r[0]
                for r in conn.execute(
                    "SELECT recipient FROM staff_mail WHERE subject LIKE '%%webhook endpoint was disabled'"
                )
            )
            assert mailed == ["admin@example.com", "owner@example.com"]
    finally:
        dispatcher.close()


def test_a_delivery_that_fails_for_its_whole_window_gives_way_to_the_next(conn, account, db_url):
    settings = DeliverySettings(
        retry_base=timedelta(milliseconds=20),
        retry_max=timedelta(milliseconds=20),
        retry_window=timedelta(milliseconds=300),
        disable_after=timedelta(hours=1),
        policy=FAST.policy,
    )
    dispatcher = WebhookDispatcher(db_url, "w", settings, ids=IDS)
    try:
        made = endpoint(conn, account, "http://placeholder.invalid/")
        with Receiver(made.secret) as receiver:
            conn.execute("UPDATE webhook_endpoints SET url = %s", [receiver.url])
            receiver.script.extend([410] * 1000)
            load_rows(conn, make_campaign(conn, account, offsets=(-48,)), [person(1)])
            drain(
                dispatcher,
                lambda: (
                    conn.execute(
                        "SELECT count(*) FROM webhook_deliveries WHERE status = 'failed'"
                    ).fetchone()[0]
                    == 1
                ),
            )
            receiver.script.clear()
            send_step(conn)
            drain(
                dispatcher,
                lambda: (
                    conn.execute(
                        "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'"
                    ).fetchone()[0]
                    == 1
                ),
            )
            assert receiver.requests[-1]["payload"]["type"] == "message.sent"
    finally:
        dispatcher.close()


# --- safe outbound HTTP in production mode -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:9/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/x",
        "https://[::ffff:127.0.0.1]/x",
        "http://hooks.example.com/x",
    ],
)
def test_production_refuses_private_addresses_and_plain_http(url):
    with pytest.raises(safe_http.Refused):
        safe_http.post(url, b"{}", {}, safe_http.PRODUCTION)


def test_a_name_resolving_to_a_private_address_is_refused_at_connect_time(
    conn, account, dispatcher, monkeypatch
):
    """The name passes registration (it is a name), then resolves to loopback or metadata
    when the worker connects: refused before any connection, logged as a failed attempt."""
    made = endpoint(conn, account, "https://hooks.customer.example/x", safe_http.PRODUCTION)
    real = socket.getaddrinfo
    answers = {"hooks.customer.example": "169.254.169.254"}
    connected: list = []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", lambda *a: connected.append(a))
    production = WebhookDispatcher(
        dispatcher._url, "prod", DeliverySettings(policy=safe_http.PRODUCTION)
    )
    try:
        load_rows(conn, make_campaign(conn, account, offsets=(-48,)), [person(1)])
        assert production.run_once() == 1
        answers["hooks.customer.example"] = "127.0.0.1"
        conn.execute("UPDATE webhook_deliveries SET next_attempt_at = now()")
        assert production.run_once() == 1
    finally:
        production.close()
    errors = [r[0] for r in conn.execute("SELECT error FROM webhook_attempts ORDER BY id")]
    assert errors == [
        "refused: 169.254.169.254 is not a public address",
        "refused: 127.0.0.1 is not a public address",
    ]
    assert connected == []  # no socket was ever connected
    assert made.endpoint["url"] == "https://hooks.customer.example/x"


def test_no_redirect_is_followed_and_the_body_read_is_capped(monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(307 if self.path == "/a" else 200)
            self.send_header("Location", "/b")
            self.end_headers()
            self.wfile.write(b"y" * 100_000)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answer = safe_http.post(
            f"http://127.0.0.1:{server.server_port}/a", b"{}", {}, safe_http.DEVELOPMENT
        )
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status == 307 and not answer.ok and hits == ["/a"]
    assert len(answer.body) == safe_http.DEVELOPMENT.max_body


def test_the_worker_thread_delivers_until_stopped(conn, account, db_url):
    """The thread `reminderly worker` starts: its loop (several endpoints at once) delivers
    what appears while it runs, and it stops when asked."""
    thread = WebhookDispatcher(
        db_url,
        "thread",
        DeliverySettings(policy=FAST.policy, idle_seconds=0.05, endpoints_at_once=2),
    )
    with Receiver("whsec_" + "A" * 32) as a, Receiver("whsec_" + "A" * 32) as b:
        a.secret = endpoint(conn, account, a.url).secret
        b.secret = endpoint(conn, account, b.url).secret
        thread.start()
        try:
            load_rows(conn, make_campaign(conn, account, offsets=(-48,)), [person(1), person(2)])
            send_step(conn)
            deadline = time.monotonic() + 20
            while len(a.processed) < 3 or len(b.processed) < 3:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        finally:
            thread.stop()
            thread.join(timeout=20)
        assert not thread.is_alive()
        assert all(r["verified"] for r in a.requests + b.requests)
        assert list(a.processed) == list(b.processed)  # the same events, in the same order


def test_a_receiver_dripping_its_answer_is_cut_off_at_the_total_deadline():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Drip(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(40):  # one header byte every 0.1 s: no read ever times out
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    policy = safe_http.Policy(
        allow_http=True, allow_loopback=True, read_timeout=1.0, total_timeout=1.5
    )
    try:
        started = time.monotonic()
        answer = safe_http.post(f"http://127.0.0.1:{server.server_port}/", b"{}", {}, policy)
        took = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status is None and "within 1.5 s" in answer.error
    assert 1.4 < took < 3.0


# --- order per resource, disabled endpoints, replay of a time range ----------------------------


def test_a_failing_resource_holds_back_only_its_own_later_events(conn, account, dispatcher):
    """The receiver refuses every event about customer c1; c2's and c3's events (later in
    the feed) are delivered meanwhile, c1's wait in order, and arrive in order once it
    recovers."""
    made = endpoint(conn, account, "http://placeholder.invalid/")
    with Receiver(made.secret) as receiver:
        conn.execute("UPDATE webhook_endpoints SET url = %s", [receiver.url])

        def about(payload) -> str | None:
            return (payload.get("data", {}).get("customer") or {}).get("external_id")

        receiver.refuse = lambda payload: 500 if about(payload) == "c1" else None
        load_rows(
            conn, make_campaign(conn, account, offsets=(-48,)), [person(1), person(2), person(3)]
        )
        first, second, _ = send_step(conn)
        handle_reply(conn, first, "yes")  # c1: reply.received, appointment.confirmed
        handle_reply(conn, second, "yes")
        drain(
            dispatcher,
            lambda: (
                {about(r["payload"]) for r in receiver.requests if r["status"] == 200}
                >= {"c2", "c3"}
                and sum(1 for r in receiver.requests if r["status"] == 200) == 5
            ),
        )
        ok = [r["payload"] for r in receiver.requests if r["status"] == 200]
        assert "c1" not in {about(p) for p in ok}
        assert [p["type"] for p in ok if about(p) == "c2"] == [
            "message.sent",
            "reply.received",
            "appointment.confirmed",
        ]
        # c1's later events were never sent while its first was failing
        c1_sent = [r["payload"]["type"] for r in receiver.requests if about(r["payload"]) == "c1"]
        assert set(c1_sent) == {"message.sent"}
        receiver.refuse = None
        drain(dispatcher, lambda: pending(conn) == 0)
        c1_ok = [
            r["payload"]["type"]
            for r in receiver.requests
            if r["status"] == 200 and about(r["payload"]) == "c1"
        ]
        assert c1_ok == ["message.sent", "reply.received", "appointment.confirmed"]


def test_events_while_disabled_are_skipped_and_a_range_replay_recovers_them(
    conn, app, dispatcher, monkeypatch
):
    """Decided as Stripe and Svix do: a disabled endpoint is not queued the events of its
    downtime; re-enabling it delivers only new events, and a replay of the time range (API,
    CLI) sends what it missed, with the original webhook-ids."""
    from click.testing import CliRunner

    from app_service.cli import main
    from tests.api_support import make_tenant

    monkeypatch.setenv("REMINDERLY_WEBHOOKS_DEV", "1")
    tenant = make_tenant(conn, app, "Hooks")
    with Receiver("whsec_" + "A" * 32) as receiver:
        made = tenant.post("/v1/webhook-endpoints", json={"url": receiver.url}).json
        receiver.secret = made["secret"]
        hook = f"/v1/webhook-endpoints/{made['id']}"
        assert tenant.patch(hook, json={"enabled": False}).status_code == 200
        started = conn.execute("SELECT now()").fetchone()[0]
        load_rows(conn, make_campaign(conn, tenant.account_id, offsets=(-48,)), [person(1)])
        (sent,) = send_step(conn)
        missed = [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
        assert len(missed) == 2  # packet.ready, message.sent
        dispatcher.run_once()
        assert conn.execute("SELECT count(*) FROM webhook_deliveries").fetchone() == (0,)

        assert tenant.patch(hook, json={"enabled": True}).status_code == 200
        handle_reply(conn, sent, "yes")
        drain(dispatcher, lambda: len(receiver.processed) == 2)
        assert [p["type"] for p in receiver.processed.values()] == [
            "reply.received",
            "appointment.confirmed",
        ]

        ended = conn.execute("SELECT now()").fetchone()[0]
        body = {"since": started.isoformat(), "until": ended.isoformat(), "only_undelivered": True}
        replayed = tenant.post(f"{hook}/replay-range", json=body)
        assert replayed.status_code == 202 and replayed.json == {"queued": 2}
        drain(dispatcher, lambda: len(receiver.processed) == 4)
        replayed_types = [p["type"] for p in list(receiver.processed.values())[2:]]
        assert replayed_types == ["packet.ready", "message.sent"]  # the two missed, in order

        # the CLI replays the whole range again (not only the undelivered): 4 more requests
        monkeypatch.setenv("DATABASE_URL", conn.info.dsn)
        (row_id,) = conn.execute("SELECT id FROM webhook_endpoints").fetchone()  # the CLI's id
        result = CliRunner().invoke(
            main,
            [
                "webhook",
                "replay",
                str(row_id),
                "--since",
                started.isoformat(timespec="seconds").replace("+00:00", "+0000"),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "4 deliveries queued" in result.output
        drain(dispatcher, lambda: len(receiver.requests) == 8)
        assert len(receiver.processed) == 4  # the receiver's dedup sees nothing new

        too_long = tenant.post(
            f"{hook}/replay-range",
            json={"since": "2026-01-01T00:00:00Z", "until": "2026-03-01T00:00:00Z"},
        )
        assert too_long.status_code == 400 and too_long.json["errors"][0]["pointer"] == "/until"
        other = make_tenant(conn, app, "Other")
        assert other.post(f"{hook}/replay-range", json=body).status_code == 404


def test_disabling_an_endpoint_emits_a_metric(conn, account, db_url):
    from app_service import telemetry

    seen: list[dict] = []
    telemetry.set_sink(seen.append)
    settings = DeliverySettings(
        retry_base=timedelta(milliseconds=20),
        retry_max=timedelta(milliseconds=20),
        retry_window=timedelta(minutes=5),
        disable_after=timedelta(milliseconds=50),
        policy=FAST.policy,
    )
    dispatcher = WebhookDispatcher(db_url, "w", settings)
    try:
        with Receiver("whsec_" + "A" * 32) as down:
            down.script.extend([500] * 1000)
            made = endpoint(conn, account, down.url)
            load_rows(conn, make_campaign(conn, account, offsets=(-48,)), [person(1)])
            drain(dispatcher, lambda: not webhooks.get(conn, made.endpoint["id"])["enabled"])
    finally:
        dispatcher.close()
        telemetry.set_sink(None)
    assert {"WebhookEndpointsDisabled": (1.0, "Count")} in seen
