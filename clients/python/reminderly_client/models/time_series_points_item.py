from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TimeSeriesPointsItem")


@_attrs_define
class TimeSeriesPointsItem:
    """
    Attributes:
        bucket (datetime.datetime): RFC 3339, UTC.
        sent (int):
        delivered (int):
        responses (int):
        clicked (int):
    """

    bucket: datetime.datetime
    sent: int
    delivered: int
    responses: int
    clicked: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bucket = self.bucket.isoformat()

        sent = self.sent

        delivered = self.delivered

        responses = self.responses

        clicked = self.clicked

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bucket": bucket,
                "sent": sent,
                "delivered": delivered,
                "responses": responses,
                "clicked": clicked,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bucket = datetime.datetime.fromisoformat(d.pop("bucket"))

        sent = d.pop("sent")

        delivered = d.pop("delivered")

        responses = d.pop("responses")

        clicked = d.pop("clicked")

        time_series_points_item = cls(
            bucket=bucket,
            sent=sent,
            delivered=delivered,
            responses=responses,
            clicked=clicked,
        )

        time_series_points_item.additional_properties = d
        return time_series_points_item

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
