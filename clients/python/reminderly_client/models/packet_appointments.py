from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PacketAppointments")


@_attrs_define
class PacketAppointments:
    """What the packet did to the account's appointments.

    Attributes:
        new (int):
        moved (int): A new time, timezone or customer, or booked again after a cancellation.
        cancelled (int):
        absent (int): Booked appointments of a snapshot's scope that the snapshot did not hold, now cancelled.
        unchanged (int):
    """

    new: int
    moved: int
    cancelled: int
    absent: int
    unchanged: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        new = self.new

        moved = self.moved

        cancelled = self.cancelled

        absent = self.absent

        unchanged = self.unchanged

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "new": new,
                "moved": moved,
                "cancelled": cancelled,
                "absent": absent,
                "unchanged": unchanged,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        new = d.pop("new")

        moved = d.pop("moved")

        cancelled = d.pop("cancelled")

        absent = d.pop("absent")

        unchanged = d.pop("unchanged")

        packet_appointments = cls(
            new=new,
            moved=moved,
            cancelled=cancelled,
            absent=absent,
            unchanged=unchanged,
        )

        packet_appointments.additional_properties = d
        return packet_appointments

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
