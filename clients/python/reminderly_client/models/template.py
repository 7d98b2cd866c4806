from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.channel import Channel

T = TypeVar("T", bound="Template")


@_attrs_define
class Template:
    """
    Attributes:
        id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        name (str):
        channel (Channel):
        subject (None | str):
        body (str):
        merge_fields (list[str]):
        created_at (datetime.datetime): RFC 3339, UTC.
        updated_at (datetime.datetime): RFC 3339, UTC.
    """

    id: int
    name: str
    channel: Channel
    subject: None | str
    body: str
    merge_fields: list[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        channel = self.channel.value

        subject: None | str
        subject = self.subject

        body = self.body

        merge_fields = self.merge_fields

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "channel": channel,
                "subject": subject,
                "body": body,
                "merge_fields": merge_fields,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        channel = Channel(d.pop("channel"))

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        body = d.pop("body")

        merge_fields = cast(list[str], d.pop("merge_fields"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        template = cls(
            id=id,
            name=name,
            channel=channel,
            subject=subject,
            body=body,
            merge_fields=merge_fields,
            created_at=created_at,
            updated_at=updated_at,
        )

        template.additional_properties = d
        return template

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
