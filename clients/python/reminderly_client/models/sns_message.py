from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sns_message_signature_version import SnsMessageSignatureVersion
from ..models.sns_message_type import SnsMessageType
from ..types import UNSET, Unset

T = TypeVar("T", bound="SnsMessage")


@_attrs_define
class SnsMessage:
    """An Amazon SNS HTTP(S) delivery, as SNS posts it.

    Attributes:
        type_ (SnsMessageType):
        message_id (str):
        topic_arn (str):
        message (str): For notifications, the event as JSON (SES event, SMS event or inbound SMS).
        timestamp (str):
        signature_version (SnsMessageSignatureVersion):
        signature (str):
        signing_cert_url (str):
        subject (None | str | Unset):
        subscribe_url (str | Unset):
        token (str | Unset):
        unsubscribe_url (str | Unset):
    """

    type_: SnsMessageType
    message_id: str
    topic_arn: str
    message: str
    timestamp: str
    signature_version: SnsMessageSignatureVersion
    signature: str
    signing_cert_url: str
    subject: None | str | Unset = UNSET
    subscribe_url: str | Unset = UNSET
    token: str | Unset = UNSET
    unsubscribe_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        message_id = self.message_id

        topic_arn = self.topic_arn

        message = self.message

        timestamp = self.timestamp

        signature_version = self.signature_version.value

        signature = self.signature

        signing_cert_url = self.signing_cert_url

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
            subject = self.subject

        subscribe_url = self.subscribe_url

        token = self.token

        unsubscribe_url = self.unsubscribe_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Type": type_,
                "MessageId": message_id,
                "TopicArn": topic_arn,
                "Message": message,
                "Timestamp": timestamp,
                "SignatureVersion": signature_version,
                "Signature": signature,
                "SigningCertURL": signing_cert_url,
            }
        )
        if subject is not UNSET:
            field_dict["Subject"] = subject
        if subscribe_url is not UNSET:
            field_dict["SubscribeURL"] = subscribe_url
        if token is not UNSET:
            field_dict["Token"] = token
        if unsubscribe_url is not UNSET:
            field_dict["UnsubscribeURL"] = unsubscribe_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = SnsMessageType(d.pop("Type"))

        message_id = d.pop("MessageId")

        topic_arn = d.pop("TopicArn")

        message = d.pop("Message")

        timestamp = d.pop("Timestamp")

        signature_version = SnsMessageSignatureVersion(d.pop("SignatureVersion"))

        signature = d.pop("Signature")

        signing_cert_url = d.pop("SigningCertURL")

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("Subject", UNSET))

        subscribe_url = d.pop("SubscribeURL", UNSET)

        token = d.pop("Token", UNSET)

        unsubscribe_url = d.pop("UnsubscribeURL", UNSET)

        sns_message = cls(
            type_=type_,
            message_id=message_id,
            topic_arn=topic_arn,
            message=message,
            timestamp=timestamp,
            signature_version=signature_version,
            signature=signature,
            signing_cert_url=signing_cert_url,
            subject=subject,
            subscribe_url=subscribe_url,
            token=token,
            unsubscribe_url=unsubscribe_url,
        )

        sns_message.additional_properties = d
        return sns_message

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
