from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_endpoint_disabled_data_endpoint import EventEndpointDisabledDataEndpoint


T = TypeVar("T", bound="EventEndpointDisabledData")


@_attrs_define
class EventEndpointDisabledData:
    """
    Attributes:
        endpoint (EventEndpointDisabledDataEndpoint):
    """

    endpoint: EventEndpointDisabledDataEndpoint
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        endpoint = self.endpoint.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "endpoint": endpoint,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_endpoint_disabled_data_endpoint import EventEndpointDisabledDataEndpoint  # noqa: PLC0415

        d = dict(src_dict)
        endpoint = EventEndpointDisabledDataEndpoint.from_dict(d.pop("endpoint"))

        event_endpoint_disabled_data = cls(
            endpoint=endpoint,
        )

        event_endpoint_disabled_data.additional_properties = d
        return event_endpoint_disabled_data

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
