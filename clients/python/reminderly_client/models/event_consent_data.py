from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.channel import Channel

if TYPE_CHECKING:
    from ..models.event_ref import EventRef


T = TypeVar("T", bound="EventConsentData")


@_attrs_define
class EventConsentData:
    """
    Attributes:
        customer (EventRef | None):
        channel (Channel):
        source (str):
    """

    customer: EventRef | None
    channel: Channel
    source: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_ref import EventRef  # noqa: PLC0415

        customer: dict[str, Any] | None
        if isinstance(self.customer, EventRef):
            customer = self.customer.to_dict()
        else:
            customer = self.customer

        channel = self.channel.value

        source = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "customer": customer,
                "channel": channel,
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_ref import EventRef  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_customer(data: object) -> EventRef | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                customer_type_0 = EventRef.from_dict(data)

                return customer_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventRef | None, data)

        customer = _parse_customer(d.pop("customer"))

        channel = Channel(d.pop("channel"))

        source = d.pop("source")

        event_consent_data = cls(
            customer=customer,
            channel=channel,
            source=source,
        )

        event_consent_data.additional_properties = d
        return event_consent_data

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
