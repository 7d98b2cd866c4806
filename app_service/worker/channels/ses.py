"""Email through Amazon SES (sesv2 SendEmail) with a configuration set, so delivery events
(bounces, complaints, deliveries) flow back to the tracking webhooks."""

from __future__ import annotations

from botocore.exceptions import ClientError

from app_service.worker.channels.base import (
    NETWORK_ERRORS,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
)

PERMANENT_CODES = {
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "AccountSuspendedException",
    "SendingPausedException",
    "BadRequestException",
    "NotFoundException",
}


class SesChannel:
    name = "email"

    def __init__(self, client, *, from_address: str, configuration_set: str):
        self._client = client
        self._from = from_address
        self._configuration_set = configuration_set
        # the SES account's send rate is per account and region; the identity names it here
        self.sender = from_address.rsplit("@", 1)[-1].rstrip(">")

    def send(self, message: OutgoingMessage) -> SendResult:
        headers = [{"Name": k, "Value": v} for k, v in sorted(message.headers.items())]
        try:
            response = self._client.send_email(
                FromEmailAddress=self._from,
                Destination={"ToAddresses": [message.recipient]},
                Content={
                    "Simple": {
                        "Subject": {"Data": message.subject or "", "Charset": "UTF-8"},
                        "Body": {"Text": {"Data": message.body, "Charset": "UTF-8"}},
                        "Headers": headers,
                    }
                },
                ConfigurationSetName=self._configuration_set,
                EmailTags=[{"Name": "message_id", "Value": str(message.message_id)}],
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in PERMANENT_CODES or (
                400 <= status < 500
                and code
                not in {"TooManyRequestsException", "LimitExceededException", "ThrottlingException"}
            ):
                raise PermanentSendError(f"ses {code}") from exc
            raise TransientSendError(f"ses {code or status}") from exc
        except NETWORK_ERRORS as exc:
            raise TransientSendError(f"ses {type(exc).__name__}") from exc
        return SendResult(provider_message_id=response["MessageId"])
