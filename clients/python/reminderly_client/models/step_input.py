from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.channel import Channel
from ..types import UNSET, Unset

T = TypeVar("T", bound="StepInput")


@_attrs_define
class StepInput:
    """Give the text as `template`, or take it from a stored template by `template_id`.

    Attributes:
        name (str):
        offset_minutes (int): Minutes from the appointment (negative is before).
        local_time (str | Unset): Wall-clock time, HH:MM (24-hour). Example: 09:00.
        channel (Channel | Unset):
        template (str | Unset):
        template_id (int | Unset):
        subject (str | Unset):
    """

    name: str
    offset_minutes: int
    local_time: str | Unset = UNSET
    channel: Channel | Unset = UNSET
    template: str | Unset = UNSET
    template_id: int | Unset = UNSET
    subject: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        offset_minutes = self.offset_minutes

        local_time = self.local_time

        channel: str | Unset = UNSET
        if not isinstance(self.channel, Unset):
            channel = self.channel.value

        template = self.template

        template_id = self.template_id

        subject = self.subject

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "offset_minutes": offset_minutes,
            }
        )
        if local_time is not UNSET:
            field_dict["local_time"] = local_time
        if channel is not UNSET:
            field_dict["channel"] = channel
        if template is not UNSET:
            field_dict["template"] = template
        if template_id is not UNSET:
            field_dict["template_id"] = template_id
        if subject is not UNSET:
            field_dict["subject"] = subject

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        offset_minutes = d.pop("offset_minutes")

        local_time = d.pop("local_time", UNSET)

        _channel = d.pop("channel", UNSET)
        channel: Channel | Unset
        if isinstance(_channel, Unset):
            channel = UNSET
        else:
            channel = Channel(_channel)

        template = d.pop("template", UNSET)

        template_id = d.pop("template_id", UNSET)

        subject = d.pop("subject", UNSET)

        step_input = cls(
            name=name,
            offset_minutes=offset_minutes,
            local_time=local_time,
            channel=channel,
            template=template,
            template_id=template_id,
            subject=subject,
        )

        return step_input
