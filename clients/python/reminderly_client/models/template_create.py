from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.channel import Channel
from ..types import UNSET, Unset

T = TypeVar("T", bound="TemplateCreate")


@_attrs_define
class TemplateCreate:
    """
    Attributes:
        name (str):
        channel (Channel):
        body (str): jinja2 text; merge fields as {{ first_name }}. No NUL character.
        subject (str | Unset): Required for email. No NUL character.
    """

    name: str
    channel: Channel
    body: str
    subject: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        channel = self.channel.value

        body = self.body

        subject = self.subject

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "channel": channel,
                "body": body,
            }
        )
        if subject is not UNSET:
            field_dict["subject"] = subject

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        channel = Channel(d.pop("channel"))

        body = d.pop("body")

        subject = d.pop("subject", UNSET)

        template_create = cls(
            name=name,
            channel=channel,
            body=body,
            subject=subject,
        )

        return template_create
