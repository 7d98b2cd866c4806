from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CampaignReportLocationsItem")


@_attrs_define
class CampaignReportLocationsItem:
    """
    Attributes:
        location (str):
        name (None | str):
        planned (int):
        pending (int):
        sent (int):
        delivered (int):
        failed (int):
        suppressed (int):
    """

    location: str
    name: None | str
    planned: int
    pending: int
    sent: int
    delivered: int
    failed: int
    suppressed: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        location = self.location

        name: None | str
        name = self.name

        planned = self.planned

        pending = self.pending

        sent = self.sent

        delivered = self.delivered

        failed = self.failed

        suppressed = self.suppressed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "location": location,
                "name": name,
                "planned": planned,
                "pending": pending,
                "sent": sent,
                "delivered": delivered,
                "failed": failed,
                "suppressed": suppressed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        location = d.pop("location")

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        planned = d.pop("planned")

        pending = d.pop("pending")

        sent = d.pop("sent")

        delivered = d.pop("delivered")

        failed = d.pop("failed")

        suppressed = d.pop("suppressed")

        campaign_report_locations_item = cls(
            location=location,
            name=name,
            planned=planned,
            pending=pending,
            sent=sent,
            delivered=delivered,
            failed=failed,
            suppressed=suppressed,
        )

        campaign_report_locations_item.additional_properties = d
        return campaign_report_locations_item

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
