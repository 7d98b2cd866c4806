"""Hostile input against the real API (Flask's test client over the real database): each
attack class of issue 14's parsing, keys and HTTP-hardening findings, several payloads each.
Every attack must get a 4xx problem (or page) naming the reason, within a bounded time, and
leave nothing stored that should not be. The crash classes run over gunicorn as well
(tests/security/test_input_attacks_server.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from app_service.api.ip_limits import AddressLimits
from app_service.links import LinkSigner
from tests.api_support import CAMPAIGN, make_tenant
from tests.helpers import csv_bytes, load_rows, make_campaign, person
from tests.test_inbound import TOPIC, post_sns, signed

SECONDS = 10  # every attack is answered within this

# --- payloads ---------------------------------------------------------------------------------

LONG_NUMBERS = [
    b"9" * 5000,  # over CPython's 4,300-digit int limit: segfaulted ijson's C backend
    b"-" + b"9" * 100_000,
    b"1e" + b"9" * 5000,
    b"0." + b"9" * 5000,
    b"9" * 65,  # just past the limit
]
DEEP = [
    b"[" * 100_000,  # grew ijson's memory with the square of the depth
    b'{"a":' * 50_000,
    b"[" * 1_000 + b"]" * 1_000,  # well-formed, but deeper than any body needs
    b'[{"a":' * 40 + b"1" + b"}]" * 40,
]
SURROGATES = [b'"\\ud800"', b'"\\udfff"', b'"\\ud800\\u0041"', b'"x\\uDBFFy"', b'"\\udc00\\ud800"']


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["detail"]
    return body


def _count(db_url: str, table: str) -> int:
    with psycopg.connect(db_url) as c:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def campaign_id(tenant) -> int:
    made = tenant.post("/v1/campaigns", json=CAMPAIGN)
    assert made.status_code == 201
    assert tenant.post(f"/v1/campaigns/{made.json['id']}/activate").status_code == 200
    return made.json["id"]


def _packet(tenant, campaign_id: int, body: bytes, **kw):
    started = time.monotonic()
    response = tenant.post(
        f"/v1/campaigns/{campaign_id}/packets",
        data=body,
        headers={"Content-Type": "application/json"},
        **kw,
    )
    assert time.monotonic() - started < SECONDS
    return response


def _row(value: bytes) -> bytes:
    return (
        b'[{"customer_id": "c1", "phone": "3125550100", "appointment_id": "a1", "x": '
        + value
        + b"}]"
    )


# --- JSON packets -----------------------------------------------------------------------------


@pytest.mark.parametrize("number", LONG_NUMBERS)
def test_a_packet_with_an_over_long_number_fails_whole_and_keeps_nothing(
    tenant, campaign_id, db_url, number
):
    for body in (_row(number), b"[" + number + b"]"):
        problem = _problem(_packet(tenant, campaign_id, body), 400)
        assert "longer than 64 characters" in problem["detail"]
        assert problem["packet_id"]
    assert _count(db_url, "messages") == 0 and _count(db_url, "customers") == 0


@pytest.mark.parametrize("body", DEEP)
def test_a_deeply_nested_packet_is_refused_before_it_is_parsed(tenant, campaign_id, db_url, body):
    problem = _problem(_packet(tenant, campaign_id, body), 400)
    assert "nests deeper than 16 levels" in problem["detail"]
    assert _count(db_url, "messages") == 0


@pytest.mark.parametrize("text", SURROGATES)
def test_a_lone_surrogate_in_a_packet_is_a_400_not_a_question_mark(
    tenant, campaign_id, db_url, text
):
    for body in (_row(text), b'[{"customer_id": ' + text + b"}]", b"[{" + text + b': "v"}]'):
        problem = _problem(_packet(tenant, campaign_id, body), 400)
        assert "lone surrogate" in problem["detail"]
    assert _count(db_url, "customers") == 0


def test_a_surrogate_pair_and_long_strings_of_digits_still_load(tenant, campaign_id, db_url):
    """The limits refuse only what is hostile: an emoji as an escaped pair, a 5,000-digit
    string (not a number), and a number of 64 characters are ordinary data."""
    row = {**person(1), "first_name": "\U0001f600", "notes": "9" * 5000}
    body = json.dumps([row]).encode().replace(b"}]", b', "big": ' + b"9" * 64 + b"}]")
    assert b"\\ud83d\\ude00" in body
    response = _packet(tenant, campaign_id, body)
    assert response.status_code == 201, response.json
    with psycopg.connect(db_url) as c:
        (name,) = c.execute("SELECT first_name FROM customers").fetchone()
    assert name == "\U0001f600"


# --- API JSON bodies --------------------------------------------------------------------------

API_BODIES = [
    ("/v1/customers", lambda v: b'{"external_id": "e1", "first_name": ' + v + b"}"),
    ("/v1/campaigns", lambda v: json.dumps(CAMPAIGN).encode()[:-1] + b', "name": ' + v + b"}"),
    ("/v1/templates", lambda v: b'{"name": ' + v + b', "channel": "sms", "body": "Hi"}'),
]


@pytest.mark.parametrize("path, make", API_BODIES)
def test_hostile_api_bodies_are_400_naming_the_reason_and_store_nothing(tenant, db_url, path, make):
    attacks = [
        *[(make(n), "longer than 64 characters") for n in LONG_NUMBERS[:3]],
        *[(make(s), "lone surrogate") for s in SURROGATES[:3]],
        *[(d, "nests deeper than 32 levels") for d in DEEP[:3]],
        (make(b"[" * 40 + b"]" * 40), "nests deeper than 32 levels"),
        (make(b'"\xed\xa0\x80"'), "not valid UTF-8"),  # a surrogate's raw bytes
        (make(b'"\xff"'), "not valid UTF-8"),
        (make(b"NaN"), "NaN"),
        (make(b"-Infinity"), "Infinity"),
        (make(b"1e400"), "too large for a float"),
    ]
    for body, reason in attacks:
        started = time.monotonic()
        response = tenant.post(path, data=body, headers={"Content-Type": "application/json"})
        assert time.monotonic() - started < SECONDS
        problem = _problem(response, 400)
        assert reason in problem["detail"], (body[:60], problem)
    assert _count(db_url, "customers") == 0 and _count(db_url, "templates") == 0
    assert _count(db_url, "campaigns") == 0


def test_a_chunked_json_body_over_1_mib_is_413_not_truncated(tenant, db_url):
    body = json.dumps({"external_id": "e1", "first_name": "x" * (1 << 20)}).encode()
    response = tenant.client.post(
        "/v1/customers",
        input_stream=io.BytesIO(body),
        headers={
            "Authorization": f"Bearer {tenant.token}",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        environ_base={"wsgi.input_terminated": True},
    )
    assert "1048576" in _problem(response, 413)["detail"]
    small = json.dumps({"external_id": "e2"}).encode()
    response = tenant.client.post(
        "/v1/customers",
        input_stream=io.BytesIO(small),
        headers={
            "Authorization": f"Bearer {tenant.token}",
            "Content-Type": "application/json",
            "Transfer-Encoding": "chunked",
        },
        environ_base={"wsgi.input_terminated": True},
    )
    assert response.status_code == 201  # a chunked body within the limit is read whole
    assert _count(db_url, "customers") == 1


@pytest.mark.parametrize(
    "async_threshold, prefer",
    [
        (8 << 20, None),  # loaded in the request
        (10_000, None),  # stored for the background loader (over the async threshold)
        (8 << 20, "respond-async"),
    ],
)
def test_a_chunked_packet_over_its_limit_is_413_and_keeps_nothing(
    app, tenant, campaign_id, db_url, async_threshold, prefer
):
    app.config["MAX_PACKET_BYTES"] = 100_000  # the 64 MiB rule, scaled down
    app.config["ASYNC_PACKET_BYTES"] = async_threshold
    body = csv_bytes([person(i) for i in range(2_000)])
    assert len(body) > 100_000
    headers = {
        "Authorization": f"Bearer {tenant.token}",
        "Content-Type": "text/csv",
        "Transfer-Encoding": "chunked",
        **({"Prefer": prefer} if prefer else {}),
    }
    response = tenant.client.post(
        f"/v1/campaigns/{campaign_id}/packets",
        input_stream=io.BytesIO(body),
        headers=headers,
        environ_base={"wsgi.input_terminated": True},
    )
    problem = _problem(response, 413)
    assert "100000" in problem["detail"]
    assert _count(db_url, "customers") == 0 and _count(db_url, "messages") == 0
    with psycopg.connect(db_url) as c:  # no packet, or a failed one: never a truncated load
        assert {r[0] for r in c.execute("SELECT status FROM packets")} <= {"failed"}
        assert c.execute("SELECT count(*) FROM packet_rows").fetchone() == (0,)
        assert c.execute("SELECT count(*) FROM packet_uploads").fetchone() == (0,)


# --- bodies before authentication ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path, method",
    [
        ("/login", "POST"),  # the dashboard's sign-in (read a 500 MiB body to disk before)
        ("/v1/customers", "POST"),
        ("/v1/campaigns/1/packets", "POST"),
        ("/r/abc", "POST"),
        ("/v1/webhooks/sns", "POST"),
        ("/v1/health", "GET"),
        ("/no/such/route", "POST"),
    ],
)
def test_a_declared_500_mib_body_is_413_before_a_byte_is_read(app, path, method):
    class Unreadable(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, b):
            raise AssertionError("the body was read")

    response = app.test_client().open(
        path,
        method=method,
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        environ_overrides={"CONTENT_LENGTH": str(500 << 20), "wsgi.input": Unreadable()},
    )
    assert response.status_code == 413


# --- keys ---------------------------------------------------------------------------------------


def test_the_idempotency_store_never_holds_a_live_key(conn, app, tenant, db_url):
    first = tenant.post(
        "/v1/api-keys",
        json={"name": "ci", "scopes": ["write"]},
        headers={"Idempotency-Key": "mint-1"},
    )
    assert first.status_code == 201 and first.json["token"].startswith("rmd_")
    replay = tenant.post(
        "/v1/api-keys",
        json={"name": "ci", "scopes": ["write"]},
        headers={"Idempotency-Key": "mint-1"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["id"] == first.json["id"] and "token" not in replay.json
    operator = make_tenant(conn, app, "Ops", scopes=("operator",))
    made = operator.post(
        "/v1/accounts", json={"name": "New Clinic"}, headers={"Idempotency-Key": "acct-1"}
    )
    assert made.status_code == 201 and made.json["api_key"]["token"].startswith("rmd_")
    again = operator.post(
        "/v1/accounts", json={"name": "New Clinic"}, headers={"Idempotency-Key": "acct-1"}
    )
    assert again.json["account"]["id"] == made.json["account"]["id"]
    assert "token" not in again.json["api_key"]
    with psycopg.connect(db_url) as c:
        stored = " ".join(r[0] for r in c.execute("SELECT response::text FROM idempotency_keys"))
    secrets = (first.json["token"], made.json["api_key"]["token"])
    for token in secrets:
        secret = token.split("_", 2)[2]  # rmd_<prefix>_<secret>: the secret may hold "_" itself
        assert len(secret) == 43 and token not in stored and secret not in stored
    assert "rmd_" not in stored
    # the stored replay authenticates nothing; the real keys still work
    for token in secrets:
        assert app.test_client().get(
            "/v1/account", headers={"Authorization": f"Bearer {token}"}
        ).status_code in (200, 403)


@pytest.mark.parametrize("scopes", [("admin",), ("write",), ("read",), ("admin", "write", "read")])
def test_only_an_operator_key_creates_accounts(conn, app, db_url, scopes):
    caller = make_tenant(conn, app, "Tenant", scopes=scopes)
    before = _count(db_url, "accounts")
    for body in ({"name": "Spawned"}, {"name": "Spawned", "timezone": "UTC"}):
        problem = _problem(caller.post("/v1/accounts", json=body), 403)
        assert "operator scope" in problem["detail"]
    assert _count(db_url, "accounts") == before


def test_the_api_cannot_mint_an_operator_key(conn, app, tenant, db_url):
    for scopes in (["operator"], ["admin", "operator"]):
        _problem(tenant.post("/v1/api-keys", json={"name": "x", "scopes": scopes}), 400)
    with psycopg.connect(db_url) as c:
        assert c.execute(
            "SELECT count(*) FROM api_keys WHERE 'operator' = ANY (scopes)"
        ).fetchone() == (0,)


# --- per-address limits before authentication ---------------------------------------------------


def test_requests_without_a_key_are_limited_per_address(app, tenant):
    app.extensions["reminderly.address_limits"] = AddressLimits.from_config(5, 100)
    client = app.test_client()
    paths = ["/v1/campaigns", "/r/not-a-token", "/u/nope", "/v1/openapi.json", "/login", "/docs"]
    answered = [client.get(paths[i % len(paths)]).status_code for i in range(5)]
    assert 429 not in answered
    for path in paths:
        response = client.get(path)
        assert response.status_code == 429, path
        assert int(response.headers["Retry-After"]) >= 1
    # another address, a keyed request and the orchestrator's probes are not affected
    other = client.get("/r/not-a-token", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 404
    assert tenant.get("/v1/campaigns").status_code == 200
    assert client.get("/v1/health").status_code == 200


def test_failed_sign_ins_are_limited_per_address_before_the_key_is_looked_up(app, tenant):
    app.extensions["reminderly.address_limits"] = AddressLimits.from_config(1000, 3)
    client = app.test_client()
    wrong = [f"rmd_{'a' * 12}_{'b' * 43}", "rmd_wrong", "Basic abc"]
    for token in wrong:
        assert (
            client.get("/v1/campaigns", headers={"Authorization": f"Bearer {token}"}).status_code
            == 401
        )
    for token in [*wrong, tenant.token]:  # even the right key waits out the address's window
        response = client.get("/v1/campaigns", headers={"Authorization": f"Bearer {token}"})
        assert _problem(response, 429)["detail"] == "too many failed sign-ins from this address"
    # the dashboard's sign-in form shares the limit and answers a page
    login = app.test_client()
    login.environ_base["wsgi.url_scheme"] = "https"
    form = login.get("/login", base_url="https://localhost").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    page = login.post(
        "/login", data={"api_key": tenant.token, "csrf_token": csrf}, base_url="https://localhost"
    )
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert tenant.get("/v1/campaigns", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 200


def test_dashboard_sign_in_failures_count(app, tenant):
    app.extensions["reminderly.address_limits"] = AddressLimits.from_config(1000, 2)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    for _ in range(2):
        form = client.get("/login", base_url="https://localhost").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        bad = client.post(
            "/login", data={"api_key": "rmd_nope", "csrf_token": csrf}, base_url="https://localhost"
        )
        assert bad.status_code == 401
    form = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert (
        client.post(
            "/login",
            data={"api_key": tenant.token, "csrf_token": csrf},
            base_url="https://localhost",
        ).status_code
        == 429
    )


# --- the SNS webhook ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_key():
    """A throwaway RSA key and its self-signed certificate, served as the SNS certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def sns_app(app, signing_key):
    fetched, confirmed = [], []
    app.config["SNS_TOPICS"] = frozenset({TOPIC})
    app.config["SNS_CERT_FETCHER"] = lambda url: fetched.append(url) or signing_key[1]
    app.config["SNS_CONFIRM"] = confirmed.append
    app.fetched, app.confirmed = fetched, confirmed
    return app


@pytest.mark.parametrize(
    "body",
    [
        DEEP[0],
        DEEP[1],
        b'{"Type": ' + LONG_NUMBERS[0] + b"}",
        b'{"Type": ' + SURROGATES[0] + b"}",
        b"[" * 300 + b"]" * 300,
    ],
)
def test_a_hostile_sns_body_is_a_400(sns_app, body):
    response = sns_app.test_client().post("/v1/webhooks/sns", data=body, content_type="text/plain")
    assert "refused" in _problem(response, 400)["detail"]
    assert sns_app.fetched == []


def test_a_signed_notification_whose_message_is_hostile_is_a_400(sns_app, signing_key, db_url):
    for inner in ("[" * 100_000, '{"eventType": ' + "9" * 5000 + "}", '{"a": "\\ud800"}'):
        message = signed(signing_key[0], {"Type": "Notification", "Message": inner})
        response = post_sns(sns_app, message)
        assert "refused" in _problem(response, 400)["detail"]
    assert _count(db_url, "message_events") == 0


CERT_URLS = [
    "https://evil.example@sns.us-east-1.amazonaws.com/cert.pem",  # user info
    "https://sns.us-east-1.amazonaws.com:8443/cert.pem",  # a port
    "https://sns.us-east-1.amazonaws.com:443/cert.pem",
    "https://sns.s3.amazonaws.com/cert.pem",  # not a region: S3 hosting
    "https://sns.evil.amazonaws.com/cert.pem",
    "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
    "https://sns.us-east-1.amazonaws.com\\@evil.example/cert.pem",
    "http://sns.us-east-1.amazonaws.com/cert.pem",
    "https://SNS.us-east-1.amazonaws.com@evil.example/cert.pem",
]


@pytest.mark.parametrize("url", CERT_URLS)
def test_a_certificate_url_off_an_sns_host_is_refused_without_saying_why(sns_app, signing_key, url):
    message = signed(
        signing_key[0], {"Type": "Notification", "Message": "{}", "SigningCertURL": url}
    )
    problem = _problem(post_sns(sns_app, message), 403)
    assert problem["detail"] == "not a valid SNS message for this deployment"
    assert sns_app.fetched == []  # never fetched


@pytest.mark.parametrize(
    "subscribe_url",
    [
        "https://evil.example/?Action=ConfirmSubscription",
        "https://x@sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
        "http://169.254.169.254/latest/meta-data/",
        "",
    ],
)
def test_a_subscribe_url_off_an_sns_host_is_refused_not_visited(
    sns_app, signing_key, subscribe_url
):
    message = signed(
        signing_key[0],
        {
            "Type": "SubscriptionConfirmation",
            "Message": "confirm",
            "Token": "t",
            "SubscribeURL": subscribe_url,
        },
    )
    _problem(post_sns(sns_app, message), 403)
    assert sns_app.confirmed == []


@pytest.mark.parametrize("stamp", ["2026-11-30T10:00:00", "2026-11-30T10:00:00.000", "2026-11-30"])
def test_a_naive_sns_timestamp_is_refused_not_a_500(sns_app, signing_key, stamp):
    message = signed(signing_key[0], {"Type": "Notification", "Message": "{}", "Timestamp": stamp})
    _problem(post_sns(sns_app, message), 403)


# --- parameters, forms and stored values --------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["external_id=%00", "external_id=a%00b", "status=%00", "cursor=%00"]
)
def test_a_nul_in_a_query_parameter_is_a_400(tenant, query):
    path = "/v1/campaigns" if query.startswith("status") else "/v1/customers"
    problem = _problem(tenant.get(f"{path}?{query}"), 400)
    assert problem["errors"][0]["in"] == "query"


@pytest.mark.parametrize(
    "score", ["\u00b2", "\u0661", "\u00bd", "\u0663", "10 ", "-1", "11", "1e1", "0x5"]
)
def test_a_survey_score_that_is_not_0_to_10_in_ascii_is_the_form_again(
    app, conn, account, db_url, score
):
    survey = make_campaign(conn, account, kind="survey", offsets=(-48, -24))
    load_rows(conn, survey, [person(1)])
    (message_id,) = conn.execute("SELECT min(id) FROM messages").fetchone()
    token = LinkSigner("test-link-secret").token(message_id, "r")
    started = time.monotonic()
    response = app.test_client().post(f"/r/{token}", data={"score": score})
    assert time.monotonic() - started < SECONDS
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert _count(db_url, "survey_responses") == 0


@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00Z",
        "2200-01-01T10:00:00Z",
        "1990-05-05T10:00:00+02:00",
    ],
)
def test_an_appointment_outside_a_sane_window_is_a_row_error_and_listings_still_work(
    tenant, campaign_id, when
):
    response = tenant.post(
        f"/v1/campaigns/{campaign_id}/packets",
        data=csv_bytes([person(1, appointment_at=when), person(2)]),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 201 and response.json["rows"]["rejected"] == 1
    errors = tenant.get(response.json["links"]["errors"]).json["data"]
    assert errors[0]["column"] == "appointment_at" and "within a year" in errors[0]["reason"]
    for path in (
        f"/v1/packets/{response.json['id']}/messages",
        "/v1/customers",
        f"/v1/campaigns/{campaign_id}/report",
    ):
        assert tenant.get(path).status_code == 200, path


@pytest.mark.parametrize(
    "name",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1,1)",
        "\t=1",
        "\r=1",
    ],
)
def test_csv_report_cells_cannot_run_as_formulas(tenant, name):
    made = tenant.post("/v1/campaigns", json={**CAMPAIGN, "name": name})
    assert made.status_code == 201
    report = tenant.get(f"/v1/campaigns/{made.json['id']}/report?format=csv")
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.get_data(as_text=True), newline="")))
    assert ["campaign", "name", "'" + name] in rows  # shown as text, as typed
    for row in rows:
        for cell in row:
            assert (
                not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell.lstrip("-").isdigit()
            )


# --- headers and what other tenants see -----------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/login", "/r/not-a-token", "/u/not-a-token", "/docs", "/v1/health", "/"]
)
def test_pages_carry_security_headers(app, path):
    plain = app.test_client().get(path)
    secure = app.test_client().get(path, base_url="https://localhost")
    for response in (plain, secure):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_readiness_opens_no_connection_per_call(app, monkeypatch):
    from app_service.api.routes import operations

    calls = []
    real = operations._check_ready
    monkeypatch.setattr(operations, "_check_ready", lambda url: calls.append(url) or real(url))
    client = app.test_client()
    for _ in range(50):
        assert client.get("/v1/ready").status_code == 200
    assert len(calls) == 1


def test_an_operators_pause_reason_is_not_shown_to_tenants(conn, app):
    conn.execute(
        "INSERT INTO sending_pauses (scope, reason, paused_by) VALUES "
        "('sms', 'Complaints about Tenant Zeta Dental', 'oncall')"
    )
    tenant = make_tenant(conn, app, "Alpha")
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    form = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post(
        "/login", data={"api_key": tenant.token, "csrf_token": csrf}, base_url="https://localhost"
    )
    page = client.get("/health", base_url="https://localhost")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Sending paused (sms)" in text and "Zeta" not in text


def test_the_cli_grants_the_operator_scope_and_that_key_only_creates_accounts(
    db_url, app, monkeypatch
):
    from click.testing import CliRunner

    from app_service.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()
    made = runner.invoke(main, ["account", "create", "Platform Ops"])
    assert made.exit_code == 0, made.output
    account = int(made.output.split()[1])
    minted = runner.invoke(
        main,
        ["api-key", "create", "--account", str(account), "--name", "ops", "--scope", "operator"],
    )
    assert minted.exit_code == 0, minted.output
    token = minted.output.strip().rsplit(" ", 1)[1]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/v1/accounts", json={"name": "Onboarded Clinic"}, headers=headers)
    assert created.status_code == 201
    # an operator key is no key of its own account: no reads, no keys, no campaigns
    for path in ("/v1/account", "/v1/campaigns", "/v1/api-keys"):
        assert _problem(client.get(path, headers=headers), 403)


def test_an_address_that_keeps_forging_sns_messages_is_held_off(sns_app, signing_key):
    sns_app.extensions["reminderly.address_limits"] = AddressLimits.from_config(1000, 3)
    forged = {
        **signed(signing_key[0], {"Type": "Notification", "Message": "{}"}),
        "Signature": "AAAA",
    }
    for _ in range(3):
        _problem(post_sns(sns_app, forged), 403)
    fetched = len(sns_app.fetched)
    response = post_sns(sns_app, signed(signing_key[0], {"Type": "Notification", "Message": "{}"}))
    assert _problem(response, 429)["detail"] == "too many refused messages from this address"
    assert len(sns_app.fetched) == fetched  # no certificate check for it
    other = sns_app.test_client().post(
        "/v1/webhooks/sns",
        data=json.dumps(
            signed(
                signing_key[0],
                {
                    "Type": "UnsubscribeConfirmation",
                    "Message": "m",
                    "Token": "t",
                    "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?x",
                },
            )
        ),
        content_type="text/plain",
        environ_base={"REMOTE_ADDR": "10.3.3.3"},
    )
    assert other.status_code == 200  # SNS itself, from another address, goes on


@pytest.mark.parametrize("path", ["/login", "/r/abc", "/logout"])
def test_a_chunked_form_body_over_its_limit_is_413(app, path):
    body = b"api_key=" + b"x" * (1 << 20)
    response = app.test_client().post(
        path,
        input_stream=io.BytesIO(body),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
        },
        environ_base={"wsgi.input_terminated": True},
        base_url="https://localhost",
    )
    assert response.status_code == 413
