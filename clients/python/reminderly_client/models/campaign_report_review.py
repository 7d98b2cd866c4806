from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CampaignReportReview")


@_attrs_define
class CampaignReportReview:
    """Review requests: who was asked and who went to the review site.

    Attributes:
        sent (int):
        clicked (int):
        conversion (float | None):
    """

    sent: int
    clicked: int
    conversion: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sent = self.sent

        clicked = self.clicked

        conversion: float | None
        conversion = self.conversion

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sent": sent,
                "clicked": clicked,
                "conversion": conversion,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sent = d.pop("sent")

        clicked = d.pop("clicked")

        def _parse_conversion(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        conversion = _parse_conversion(d.pop("conversion"))

        campaign_report_review = cls(
            sent=sent,
            clicked=clicked,
            conversion=conversion,
        )

        campaign_report_review.additional_properties = d
        return campaign_report_review

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
