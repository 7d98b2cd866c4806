"""SES's MaxSendRate, read at start (botocore Stubber), and the email rate it caps."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from app_service.worker.provider_rates import email_rate, ses_max_send_rate


def sesv2():
    return boto3.client(
        "sesv2", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_the_granted_rate_is_read_from_get_account():
    client = sesv2()
    with Stubber(client) as stub:
        stub.add_response(
            "get_account",
            {"SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 12.0}},
            {},
        )
        assert ses_max_send_rate(client) == 14.0
        stub.assert_no_pending_responses()


def test_an_unreadable_quota_leaves_the_configured_rate():
    client = sesv2()
    with Stubber(client) as stub:
        stub.add_client_error(
            "get_account", service_error_code="AccessDeniedException", http_status_code=403
        )
        assert ses_max_send_rate(client) is None
    assert email_rate(20.0, None) == 20.0


def test_the_configured_rate_never_exceeds_what_ses_granted():
    assert email_rate(50.0, 14.0) == 14.0
    assert email_rate(10.0, 14.0) == 10.0
    assert email_rate(None, 14.0) == 14.0
