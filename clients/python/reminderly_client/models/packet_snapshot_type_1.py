from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PacketSnapshotType1")


@_attrs_define
class PacketSnapshotType1:
    """
    Attributes:
        from_ (datetime.datetime): RFC 3339, UTC.
        to (datetime.datetime): RFC 3339, UTC.
        locations (list[str] | None):
        force (bool):
    """

    from_: datetime.datetime
    to: datetime.datetime
    locations: list[str] | None
    force: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.isoformat()

        to = self.to.isoformat()

        locations: list[str] | None
        if isinstance(self.locations, list):
            locations = self.locations

        else:
            locations = self.locations

        force = self.force

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "to": to,
                "locations": locations,
                "force": force,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        def _parse_locations(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                locations_type_0 = cast(list[str], data)

                return locations_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        locations = _parse_locations(d.pop("locations"))

        force = d.pop("force")

        packet_snapshot_type_1 = cls(
            from_=from_,
            to=to,
            locations=locations,
            force=force,
        )

        packet_snapshot_type_1.additional_properties = d
        return packet_snapshot_type_1

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
