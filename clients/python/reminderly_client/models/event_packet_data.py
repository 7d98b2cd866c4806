from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_packet_data_packet import EventPacketDataPacket


T = TypeVar("T", bound="EventPacketData")


@_attrs_define
class EventPacketData:
    """
    Attributes:
        packet (EventPacketDataPacket):
    """

    packet: EventPacketDataPacket
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        packet = self.packet.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "packet": packet,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_packet_data_packet import EventPacketDataPacket  # noqa: PLC0415

        d = dict(src_dict)
        packet = EventPacketDataPacket.from_dict(d.pop("packet"))

        event_packet_data = cls(
            packet=packet,
        )

        event_packet_data.additional_properties = d
        return event_packet_data

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
