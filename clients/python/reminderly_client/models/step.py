from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.channel import Channel

T = TypeVar("T", bound="Step")


@_attrs_define
class Step:
    """
    Attributes:
        step (int):
        name (str):
        offset_minutes (int): Minutes from the appointment (negative is before).
        local_time (None | str):
        channel (Channel):
        template (str):
        subject (None | str):
    """

    step: int
    name: str
    offset_minutes: int
    local_time: None | str
    channel: Channel
    template: str
    subject: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        step = self.step

        name = self.name

        offset_minutes = self.offset_minutes

        local_time: None | str
        local_time = self.local_time

        channel = self.channel.value

        template = self.template

        subject: None | str
        subject = self.subject

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "step": step,
                "name": name,
                "offset_minutes": offset_minutes,
                "local_time": local_time,
                "channel": channel,
                "template": template,
                "subject": subject,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        step = d.pop("step")

        name = d.pop("name")

        offset_minutes = d.pop("offset_minutes")

        def _parse_local_time(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        local_time = _parse_local_time(d.pop("local_time"))

        channel = Channel(d.pop("channel"))

        template = d.pop("template")

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        step = cls(
            step=step,
            name=name,
            offset_minutes=offset_minutes,
            local_time=local_time,
            channel=channel,
            template=template,
            subject=subject,
        )

        step.additional_properties = d
        return step

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
