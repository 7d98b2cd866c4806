from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.message_detail_events_item_data import MessageDetailEventsItemData


T = TypeVar("T", bound="MessageDetailEventsItem")


@_attrs_define
class MessageDetailEventsItem:
    """
    Attributes:
        kind (str):
        data (MessageDetailEventsItemData):
        occurred_at (datetime.datetime): RFC 3339, UTC.
    """

    kind: str
    data: MessageDetailEventsItemData
    occurred_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind

        data = self.data.to_dict()

        occurred_at = self.occurred_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "data": data,
                "occurred_at": occurred_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.message_detail_events_item_data import MessageDetailEventsItemData  # noqa: PLC0415

        d = dict(src_dict)
        kind = d.pop("kind")

        data = MessageDetailEventsItemData.from_dict(d.pop("data"))

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        message_detail_events_item = cls(
            kind=kind,
            data=data,
            occurred_at=occurred_at,
        )

        message_detail_events_item.additional_properties = d
        return message_detail_events_item

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
