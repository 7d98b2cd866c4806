"""Staff mail (invitations, resets) goes out through SES (sesv2 SendEmail, checked with
botocore's Stubber): each mail once, marked sent in the claiming transaction; a refused send
is kept with its error and retried; nothing is sent twice by two passes."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from app_service.people import audit, directory, mailer
from tests.api_support import make_tenant


def test_invitations_go_out_through_ses_once_and_failures_are_retried(app, conn):
    account = make_tenant(conn, app, "Clinic").account_id
    operator = audit.Actor(account_id=account, role=None, address="cli")
    for email in ("a@example.com", "b@example.com"):
        directory.invite(conn, operator, email, "staff", base_url="https://console.example")
    client = boto3.client("sesv2", region_name="us-east-1")
    send = mailer.ses_sender(client, "no-reply@clinic.example", "reminderly")
    with Stubber(client) as stub:
        stub.add_response(
            "send_email",
            {"MessageId": "m-1"},
            {
                "FromEmailAddress": "no-reply@clinic.example",
                "Destination": {"ToAddresses": ["a@example.com"]},
                "Content": {
                    "Simple": {
                        "Subject": {"Data": "You are invited to reminderly", "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": directory.mail(conn, 2)[1]["body"], "Charset": "UTF-8"}
                        },
                    }
                },
                "EmailTags": [{"Name": "kind", "Value": "staff"}],
                "ConfigurationSetName": "reminderly",
            },
        )
        stub.add_client_error("send_email", "TooManyRequestsException", http_status_code=429)
        assert mailer.send_pending(conn, send) == (1, 1)
        stub.assert_no_pending_responses()
    found = conn.execute(
        "SELECT recipient, sent_at IS NOT NULL, attempts, last_error FROM staff_mail"
    )
    states = {r[0]: r[1:] for r in found}
    assert states["a@example.com"] == (True, 1, None)
    assert states["b@example.com"] == (False, 1, "TooManyRequestsException")
    with Stubber(client) as stub:  # the next pass retries only the one that failed
        stub.add_response("send_email", {"MessageId": "m-2"})
        assert mailer.send_pending(conn, send) == (1, 0)
        stub.assert_no_pending_responses()
    with Stubber(client) as stub:  # nothing left: no call at all
        assert mailer.send_pending(conn, send) == (0, 0)
