"""What comes back: signed SNS deliveries (SES and SMS receipts, inbound SMS), the survey page
and review redirect behind signed links, and the email unsubscribe. Real signatures (a test
certificate), the real worker sending through the local outbox, the real database."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from app_service import db
from app_service.inbound import sns
from app_service.links import LinkSigner
from app_service.worker.channels.outbox import OutboxChannel
from app_service.worker.runner import Worker, WorkerSettings
from tests.helpers import load_rows, make_campaign, make_due, person, statuses

TOPIC = "arn:aws:sns:us-east-1:111111111111:reminderly-test-inbound"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"
SECRET = "test-link-secret"


@pytest.fixture(scope="module")
def signing_key():
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


def signed(key, message: dict, version: str = "2") -> dict:
    message = {
        "SignatureVersion": version,
        "SigningCertURL": CERT_URL,
        "TopicArn": TOPIC,
        "MessageId": str(uuid.uuid4()),
        "Timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        **message,
    }
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
    signature = key.sign(sns.string_to_sign(message), padding.PKCS1v15(), algorithm)
    return {**message, "Signature": base64.b64encode(signature).decode()}


@pytest.fixture
def inbound_app(app, signing_key):
    fetched, confirmed = [], []
    app.config["SNS_TOPICS"] = frozenset({TOPIC})
    app.config["SNS_CERT_FETCHER"] = lambda url: fetched.append(url) or signing_key[1]
    app.config["SNS_CONFIRM"] = confirmed.append
    app.fetched, app.confirmed = fetched, confirmed
    return app


def post_sns(app, message: dict, content_type: str = "text/plain; charset=UTF-8"):
    return app.test_client().post(
        "/v1/webhooks/sns", data=json.dumps(message), content_type=content_type
    )


@pytest.fixture
def sent(conn, db_url, account):
    """Two customers' first reminder sent through the worker and the local outbox; the
    second step still scheduled."""
    campaign = make_campaign(conn, account, offsets=(-48, -2))
    load_rows(conn, campaign, [person(1), person(2)])
    make_due(conn, step=1)
    pool = db.open_pool(db_url, max_size=3)
    try:
        Worker(
            pool,
            {"sms": OutboxChannel(pool)},
            WorkerSettings(tick_seconds=0.05, idle_sleep_seconds=0.02, link_secret=SECRET),
            emit_metrics=None,
        ).run(until_idle=True)
    finally:
        pool.close()
    return conn.execute(
        "SELECT m.id, m.provider_message_id, c.phone FROM messages m JOIN customers c ON c.id = m.customer_id "
        "WHERE m.status = 'sent' ORDER BY m.id"
    ).fetchall()


def test_a_subscription_is_confirmed_by_visiting_its_url(inbound_app, signing_key):
    message = signed(
        signing_key[0],
        {
            "Type": "SubscriptionConfirmation",
            "Message": "confirm",
            "Token": "t0k",
            "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t0k",
        },
    )
    response = post_sns(inbound_app, message)
    assert response.status_code == 200 and response.json == {"status": "subscribed"}
    assert inbound_app.confirmed == [message["SubscribeURL"]]
    assert inbound_app.fetched == [CERT_URL]


@pytest.mark.parametrize(
    "tamper, reason",
    [
        (lambda m: {**m, "Message": m["Message"] + " "}, "signature does not match"),
        (lambda m: {**m, "TopicArn": TOPIC + "-other"}, "topic is not one"),
        (lambda m: {**m, "SigningCertURL": "https://evil.example.com/cert.pem"}, "SigningCertURL"),
        (
            lambda m: {**m, "SigningCertURL": "http://sns.us-east-1.amazonaws.com/x.pem"},
            "SigningCertURL",
        ),
        (lambda m: {**m, "SignatureVersion": "3"}, "SignatureVersion"),
        (lambda m: {**m, "Signature": "not base64!"}, "malformed"),
    ],
)
def test_a_message_that_is_not_genuine_is_refused(
    inbound_app, signing_key, conn, sent, tamper, reason, caplog
):
    message = tamper(
        signed(
            signing_key[0],
            {
                "Type": "Notification",
                "Message": json.dumps({"eventType": "Delivery", "mail": {"messageId": sent[0][1]}}),
            },
        )
    )
    response = post_sns(inbound_app, message)
    # the caller is not told which check failed; the log says it
    assert response.status_code == 403
    assert response.json["detail"] == "not a valid SNS message for this deployment"
    assert any(reason in r.getMessage() for r in caplog.records)
    assert statuses(conn) == {"sent": 2, "scheduled": 2}  # nothing applied


def test_an_old_message_is_refused_as_a_replay(inbound_app, signing_key, sent):
    old = (datetime.now(UTC) - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    message = signed(signing_key[0], {"Type": "Notification", "Timestamp": old, "Message": "{}"})
    assert post_sns(inbound_app, message).status_code == 403


def test_ses_and_sms_receipts_are_applied_once(inbound_app, signing_key, conn, sent):
    (_m1, p1, _), (_m2, p2, _) = sent
    delivered = signed(
        signing_key[0],
        {
            "Type": "Notification",
            "Message": json.dumps(
                {"eventType": "TEXT_DELIVERED", "messageId": p1, "messageStatus": "DELIVERED"}
            ),
        },
        version="1",
    )
    assert post_sns(inbound_app, delivered).json == {"status": "delivered"}
    assert post_sns(inbound_app, delivered).json == {"status": "duplicate"}  # SNS retried
    failed = signed(
        signing_key[0],
        {
            "Type": "Notification",
            "Message": json.dumps({"eventType": "TEXT_CARRIER_UNREACHABLE", "messageId": p2}),
        },
        version="2",
    )
    assert post_sns(inbound_app, failed, "application/json").json == {"status": "failed"}
    assert statuses(conn) == {"delivered": 1, "failed:failed": 1, "scheduled": 2}
    ledger = conn.execute("SELECT action, source FROM consent_events").fetchall()
    assert ledger == [("unreachable", "sms")]
    unknown = signed(
        signing_key[0],
        {
            "Type": "Notification",
            "Message": json.dumps({"eventType": "Delivery", "mail": {"messageId": "not-ours"}}),
        },
    )
    assert post_sns(inbound_app, unknown).json == {"status": "unknown_message"}
    odd = signed(signing_key[0], {"Type": "Notification", "Message": "[1, 2]"})
    assert post_sns(inbound_app, odd).status_code == 400


def test_ses_bounce_complaint_and_open(inbound_app, signing_key, conn, account):
    campaign = make_campaign(conn, account, channel="email", offsets=(-48,))
    load_rows(conn, campaign, [person(1), person(2)])
    conn.execute(
        "UPDATE messages SET status = 'sent', sent_at = now(), provider_message_id = 'ses-' || id"
    )
    (a, b) = [r[0] for r in conn.execute("SELECT provider_message_id FROM messages ORDER BY id")]

    def ses(kind: str, mid: str, **extra) -> dict:
        message = json.dumps({"eventType": kind, "mail": {"messageId": mid}, **extra})
        return signed(signing_key[0], {"Type": "Notification", "Message": message})

    assert post_sns(inbound_app, ses("Open", a)).json == {"status": "opened"}
    assert post_sns(inbound_app, ses("Bounce", a, bounce={"bounceType": "Transient"})).json == {
        "status": "soft_bounced"
    }
    assert post_sns(
        inbound_app,
        ses("Bounce", a, bounce={"bounceType": "Permanent", "bounceSubType": "NoEmail"}),
    ).json == {"status": "bounced"}
    assert post_sns(inbound_app, ses("Complaint", b)).json == {"status": "complaint"}
    assert post_sns(inbound_app, ses("Send", b)).json == {"status": "ignored"}
    ledger = conn.execute("SELECT action, source FROM consent_events ORDER BY id").fetchall()
    assert ledger == [("unreachable", "ses"), ("opt_out", "complaint")]
    assert conn.execute(
        "SELECT count(*) FROM customers WHERE email_opted_out_at IS NOT NULL"
    ).fetchone() == (1,)


def test_inbound_sms_stop_start_confirm_and_free_text(inbound_app, signing_key, conn, sent):
    (_m1, _, phone1), _ = sent

    def sms(text):
        return signed(
            signing_key[0],
            {
                "Type": "Notification",
                "Message": json.dumps(
                    {
                        "originationNumber": phone1,
                        "destinationNumber": "+18005550100",
                        "messageBody": text,
                        "inboundMessageId": str(uuid.uuid4()),
                    }
                ),
            },
        )

    stop = sms("Stop please")
    assert post_sns(inbound_app, stop).json == {"status": "sms reply: opt_out"}
    assert post_sns(inbound_app, stop).json == {"status": "duplicate"}
    assert statuses(conn) == {"sent": 2, "suppressed:opted_out": 1, "scheduled": 1}
    assert post_sns(inbound_app, sms("UNSTOP")).json == {"status": "sms reply: opt_in"}
    assert post_sns(inbound_app, sms("HELP")).json == {"status": "sms reply: help"}
    assert post_sns(inbound_app, sms("What time again?")).json == {"status": "sms reply: other"}
    kinds = [
        tuple(r)
        for r in conn.execute(
            "SELECT kind, data->>'classified' FROM message_events "
            "WHERE kind IN ('reply', 'keyword') ORDER BY id"
        )
    ]
    # keywords are consent and help, not responses (reports and scores count 'reply' only)
    assert kinds == [
        ("keyword", "opt_out"),
        ("keyword", "opt_in"),
        ("keyword", "help"),
        ("reply", "other"),
    ]


def test_review_links_redirect_and_surveys_are_answered_once(app, conn, account):
    conn.execute(
        "INSERT INTO locations (account_id, external_id, name, review_url) VALUES (%s, 'main', 'Main St', 'https://g.page/r/main/review')",
        [account],
    )
    review = make_campaign(conn, account, kind="review_request", offsets=(-48,))
    survey = make_campaign(conn, account, kind="survey", offsets=(-48, -24))
    load_rows(conn, review, [person(1, location_id="main")])
    load_rows(conn, survey, [person(2)])
    signer = LinkSigner(SECRET)
    r_id = conn.execute("SELECT id FROM messages WHERE campaign_id = %s", [review]).fetchone()[0]
    s_id = conn.execute("SELECT min(id) FROM messages WHERE campaign_id = %s", [survey]).fetchone()[
        0
    ]
    client = app.test_client()
    go = client.get(f"/r/{signer.token(r_id, 'r')}")
    assert go.status_code == 302 and go.headers["Location"] == "https://g.page/r/main/review"
    client.get(f"/r/{signer.token(r_id, 'r')}")
    assert conn.execute(
        "SELECT count(*) FROM message_events WHERE kind = 'link_clicked'"
    ).fetchone() == (1,)

    url = f"/r/{signer.token(s_id, 'r')}"
    page = client.get(url)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert html.count('type="radio" name="score"') == 11 and "<legend>" in html
    assert client.post(url, data={"comment": "no score"}).status_code == 400
    assert client.post(url, data={"score": "9", "comment": "Great"}).status_code == 200
    assert client.post(url, data={"score": "0"}).status_code == 200  # recorded once: the first wins
    assert conn.execute("SELECT score, comment, channel FROM survey_responses").fetchall() == [
        (9, "Great", "web")
    ]
    assert "recorded" in client.get(url).get_data(as_text=True)
    # no follow-up once answered (here neither step had gone out yet: both are withdrawn)
    assert statuses(conn, campaign_id=survey) == {"suppressed:answered": 2}
    # tokens are bound to message and purpose; tampering or guessing is a 404
    for bad in (
        signer.token(s_id, "u")[:-1] + "x",
        signer.token(s_id, "u"),
        LinkSigner("other").token(s_id, "r"),
        "x" * 20,
    ):
        assert client.get(f"/r/{bad}").status_code == 404, bad


def test_an_sms_survey_answer_counts_once_and_stops_follow_ups(conn, account):
    from app_service import dispatch_queue as dq
    from app_service.replies import handle_reply

    survey = make_campaign(conn, account, kind="survey", offsets=(-48, -24))
    load_rows(conn, survey, [person(1)])
    conn.execute("UPDATE messages SET send_at = now() WHERE step = 1")
    dq.mark_ready(conn)
    (first,) = [m.id for m in dq.claim(conn, "w", limit=10)]
    dq.complete(conn, "w", [first])
    assert handle_reply(conn, first, "Can I come at 3?") == "other"
    assert handle_reply(conn, first, "9!") == "score"
    assert handle_reply(conn, first, "2") == "score"
    assert conn.execute("SELECT score, channel FROM survey_responses").fetchall() == [(9, "sms")]
    assert statuses(conn) == {"sent": 1, "suppressed:answered": 1}


def test_email_unsubscribe_page_and_one_click_post(app, conn, account, db_url):
    campaign = make_campaign(conn, account, channel="email", offsets=(-48, -2))
    load_rows(conn, campaign, [person(1)])
    make_due(conn, step=1)
    pool = db.open_pool(db_url, max_size=3)
    try:
        Worker(
            pool,
            {"email": OutboxChannel(pool)},
            WorkerSettings(
                tick_seconds=0.05,
                idle_sleep_seconds=0.02,
                link_secret=SECRET,
                public_url="https://r.example",
            ),
            emit_metrics=None,
        ).run(until_idle=True)
    finally:
        pool.close()
    (headers,) = conn.execute("SELECT headers FROM outbox").fetchone()
    link = re.fullmatch(r"<https://r\.example(/u/[^>]+)>", headers["List-Unsubscribe"]).group(1)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    client = app.test_client()
    assert "Unsubscribe" in client.get(link).get_data(as_text=True)
    done = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert statuses(conn) == {"sent": 1, "suppressed:opted_out": 1}
    assert conn.execute("SELECT action, channel, source FROM consent_events").fetchall() == [
        ("opt_out", "email", "list-unsubscribe")
    ]
    guessed = link.rsplit("/", 1)[0] + "/" + LinkSigner(SECRET).token(999, "u")
    assert client.post(guessed).status_code == 404


def test_fields_of_the_wrong_type_are_refused_not_crashed_on(inbound_app, signing_key):
    message = signed(signing_key[0], {"Type": "Notification", "Message": "{}"})
    for name, value in (
        ("TopicArn", {}),
        ("Message", 5),
        ("Signature", None),
        ("SignatureVersion", 2),
    ):
        response = post_sns(inbound_app, {**message, name: value})
        assert response.status_code in (400, 403), (name, response.json)
        assert response.mimetype == "application/problem+json"


def test_replies_and_stops_route_by_the_number_the_customer_wrote_to(
    inbound_app, signing_key, conn, db_url
):
    """Two tenants text the same phone: one from its own number, one from the shared sender. A
    reply or STOP to a tenant's own number reaches that tenant alone (the other texted later);
    a STOP to the shared number opts the phone out of the shared-sender tenants only."""
    from app_service import campaigns as core
    from app_service import senders

    own = core.create_account(
        conn, "Own Number Dental", default_country="US", timezone="America/Chicago"
    )
    shared = core.create_account(
        conn, "Shared Sender Salon", default_country="US", timezone="America/Chicago"
    )
    senders.set_sms_sender(conn, own, "pool-own-123", ["+18005550111"])
    for account in (own, shared):  # the same phone in both; the shared tenant texts last
        campaign = make_campaign(conn, account, offsets=(-48, -2))
        load_rows(conn, campaign, [person(1)])
        make_due(conn, step=1, campaign_id=campaign)
        pool = db.open_pool(db_url, max_size=3)
        try:
            Worker(
                pool,
                {"sms": OutboxChannel(pool)},
                WorkerSettings(tick_seconds=0.05, idle_sleep_seconds=0.02, link_secret=SECRET),
                emit_metrics=None,
            ).run(until_idle=True)
        finally:
            pool.close()
    phone = conn.execute("SELECT phone FROM customers WHERE account_id = %s", [own]).fetchone()[0]

    def sms(text, to):
        return signed(
            signing_key[0],
            {
                "Type": "Notification",
                "Message": json.dumps(
                    {
                        "originationNumber": phone,
                        "destinationNumber": to,
                        "messageBody": text,
                        "inboundMessageId": str(uuid.uuid4()),
                    }
                ),
            },
        )

    def replies(account):
        return conn.execute(
            "SELECT count(*) FROM message_events WHERE account_id = %s AND kind = 'reply'",
            [account],
        ).fetchone()[0]

    assert post_sns(inbound_app, sms("What time again?", "+18005550111")).status_code == 200
    assert (replies(own), replies(shared)) == (1, 0)  # not the tenant that texted last
    post_sns(inbound_app, sms("STOP", "+18005550111"))
    opted = dict(
        conn.execute(
            "SELECT account_id, sms_opted_out_at IS NOT NULL FROM customers WHERE phone = %s",
            [phone],
        ).fetchall()
    )
    assert opted == {own: True, shared: False}
    post_sns(inbound_app, sms("STOP", "+18005550100"))  # the shared number
    opted = dict(
        conn.execute(
            "SELECT account_id, sms_opted_out_at IS NOT NULL FROM customers WHERE phone = %s",
            [phone],
        ).fetchall()
    )
    assert opted == {own: True, shared: True}
    with pytest.raises(senders.InvalidSender):
        senders.set_sms_sender(conn, own, None, ["555-0100"])


def test_an_accounts_own_origination_is_used_to_send():
    import boto3
    from botocore.stub import Stubber

    from app_service.worker.channels.base import OutgoingMessage
    from app_service.worker.channels.sms import SmsChannel

    client = boto3.client(
        "pinpoint-sms-voice-v2",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    channel = SmsChannel(client, origination_identity="pool-shared", configuration_set="cs")
    with Stubber(client) as stub:
        for origination in ("pool-own-123", "pool-shared"):
            stub.add_response(
                "send_text_message",
                {"MessageId": "m"},
                {
                    "DestinationPhoneNumber": "+13125550100",
                    "OriginationIdentity": origination,
                    "MessageBody": "hi",
                    "MessageType": "TRANSACTIONAL",
                    "ConfigurationSetName": "cs",
                    "Context": {"message_id": "1"},
                },
            )
        channel.send(OutgoingMessage(1, 1, "sms", "+13125550100", "hi", origination="pool-own-123"))
        channel.send(OutgoingMessage(1, 1, "sms", "+13125550100", "hi"))
        stub.assert_no_pending_responses()


def test_a_signed_link_has_exactly_one_spelling():
    """Changing the token's last character to one that differs only in base64's unused
    padding bits decodes to the same signature: refused all the same."""
    import base64

    from app_service.links import LinkSigner

    signer = LinkSigner("s3cret")
    token = signer.token(42, "r")
    assert signer.message_id(token, "r") == 42
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    payload, _, signature = token.rpartition(".")
    pad = "=" * (-len(signature) % 4)
    same_bytes = [
        c
        for c in alphabet
        if c != signature[-1]
        and base64.urlsafe_b64decode(signature[:-1] + c + pad)
        == base64.urlsafe_b64decode(signature + pad)
    ]
    assert same_bytes, "this signature's length leaves no padding bits to vary"
    for c in same_bytes:
        assert signer.message_id(f"{payload}.{signature[:-1]}{c}", "r") is None
