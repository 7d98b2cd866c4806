"""The AWS channels: exact request parameters (botocore Stubber), a real round trip through
moto for SES, and the mapping of provider errors to transient or permanent."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from app_service.worker.channels.base import OutgoingMessage, PermanentSendError, TransientSendError
from app_service.worker.channels.ses import SesChannel
from app_service.worker.channels.sms import SmsChannel

EMAIL = OutgoingMessage(
    41,
    7,
    "email",
    "ann@example.org",
    "How was your visit?",
    "How did we do?",
    {
        "List-Unsubscribe": "<https://r.example/u/41>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    },
)
SMS = OutgoingMessage(
    42, 7, "sms", "+13125550134", "See you tomorrow at 10:00. Reply C to confirm."
)


def client(service: str):
    return boto3.client(
        service, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_ses_request_is_exactly_this():
    ses = client("sesv2")
    channel = SesChannel(
        ses, from_address="Reminders <no-reply@clinic.example>", configuration_set="reminderly"
    )
    with Stubber(ses) as stub:
        stub.add_response(
            "send_email",
            {"MessageId": "ses-1"},
            {
                "FromEmailAddress": "Reminders <no-reply@clinic.example>",
                "Destination": {"ToAddresses": ["ann@example.org"]},
                "Content": {
                    "Simple": {
                        "Subject": {"Data": "How did we do?", "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": "How was your visit?", "Charset": "UTF-8"}},
                        "Headers": [
                            {"Name": "List-Unsubscribe", "Value": "<https://r.example/u/41>"},
                            {
                                "Name": "List-Unsubscribe-Post",
                                "Value": "List-Unsubscribe=One-Click",
                            },
                        ],
                    }
                },
                "ConfigurationSetName": "reminderly",
                "EmailTags": [{"Name": "message_id", "Value": "41"}],
            },
        )
        assert channel.send(EMAIL).provider_message_id == "ses-1"
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("TooManyRequestsException", 429, TransientSendError),
        ("InternalFailure", 500, TransientSendError),
        ("MessageRejected", 400, PermanentSendError),
        ("AccountSuspendedException", 400, PermanentSendError),
    ],
)
def test_ses_errors_are_classified(code, status, error):
    ses = client("sesv2")
    channel = SesChannel(
        ses, from_address="no-reply@clinic.example", configuration_set="reminderly"
    )
    with Stubber(ses) as stub:
        stub.add_client_error("send_email", service_error_code=code, http_status_code=status)
        with pytest.raises(error):
            channel.send(EMAIL)


def test_ses_round_trip_through_moto():
    with mock_aws():
        client("ses").verify_domain_identity(Domain="clinic.example")
        ses = client("sesv2")
        ses.create_configuration_set(ConfigurationSetName="reminderly")
        channel = SesChannel(
            ses, from_address="no-reply@clinic.example", configuration_set="reminderly"
        )
        result = channel.send(EMAIL)
        assert result.provider_message_id
        quota = client("ses").get_send_quota()
        assert quota["SentLast24Hours"] == 1


def test_sms_request_is_exactly_this():
    sms = client("pinpoint-sms-voice-v2")
    channel = SmsChannel(sms, origination_identity="pool-abc", configuration_set="reminderly")
    with Stubber(sms) as stub:
        stub.add_response(
            "send_text_message",
            {"MessageId": "sms-1"},
            {
                "DestinationPhoneNumber": "+13125550134",
                "OriginationIdentity": "pool-abc",
                "MessageBody": "See you tomorrow at 10:00. Reply C to confirm.",
                "MessageType": "TRANSACTIONAL",
                "ConfigurationSetName": "reminderly",
                "Context": {"message_id": "42"},
            },
        )
        assert channel.send(SMS).provider_message_id == "sms-1"
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 400, TransientSendError),
        ("InternalServerException", 500, TransientSendError),
        ("ValidationException", 400, PermanentSendError),
        ("ConflictException", 400, PermanentSendError),
    ],
)
def test_sms_errors_are_classified(code, status, error):
    sms = client("pinpoint-sms-voice-v2")
    channel = SmsChannel(sms, origination_identity="pool-abc", configuration_set="reminderly")
    with Stubber(sms) as stub:
        stub.add_client_error("send_text_message", service_error_code=code, http_status_code=status)
        with pytest.raises(error):
            channel.send(SMS)
