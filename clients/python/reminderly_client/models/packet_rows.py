from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PacketRows")


@_attrs_define
class PacketRows:
    """
    Attributes:
        read (int): Rows read so far (a background load's progress; equals submitted once loaded).
        submitted (int):
        accepted (int):
        rejected (int):
        warned (int): Accepted rows with a warning (a value the campaign does not use was dropped; an undefined
            location).
    """

    read: int
    submitted: int
    accepted: int
    rejected: int
    warned: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        read = self.read

        submitted = self.submitted

        accepted = self.accepted

        rejected = self.rejected

        warned = self.warned

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "read": read,
                "submitted": submitted,
                "accepted": accepted,
                "rejected": rejected,
                "warned": warned,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        read = d.pop("read")

        submitted = d.pop("submitted")

        accepted = d.pop("accepted")

        rejected = d.pop("rejected")

        warned = d.pop("warned")

        packet_rows = cls(
            read=read,
            submitted=submitted,
            accepted=accepted,
            rejected=rejected,
            warned=warned,
        )

        packet_rows.additional_properties = d
        return packet_rows

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
