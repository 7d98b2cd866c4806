"""SMS through AWS End User Messaging SMS (pinpoint-sms-voice-v2 SendTextMessage).

Chosen over SNS Publish: it sends from the business's own origination identity (phone pool),
takes a configuration set whose event destinations report delivery status per message, and
carries our message id in Context, which comes back on every status event."""

from __future__ import annotations

from botocore.exceptions import ClientError

from app_service.worker.channels.base import (
    NETWORK_ERRORS,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

TRANSIENT_CODES = {
    "ThrottlingException",
    "InternalServerException",
    "ServiceQuotaExceededException",
}


class SmsChannel:
    name = "sms"

    def __init__(self, client, *, origination_identity: str, configuration_set: str):
        self._client = client
        self._origination = origination_identity
        self._configuration_set = configuration_set
        self.sender = origination_identity  # a pool or number: its carriers' rate applies

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            response = self._client.send_text_message(
                DestinationPhoneNumber=message.recipient,
                OriginationIdentity=message.origination or self._origination,
                MessageBody=message.body,
                MessageType="TRANSACTIONAL",
                ConfigurationSetName=self._configuration_set,
                Context={"message_id": str(message.message_id)},
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if (
                code in TRANSIENT_CODES
                or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
            ):
                raise TransientSendError(f"sms {code}") from exc
            raise PermanentSendError(f"sms {code}") from exc
        except NETWORK_ERRORS as exc:
            raise TransientSendError(f"sms {type(exc).__name__}") from exc
        return SendResult(provider_message_id=response["MessageId"])
