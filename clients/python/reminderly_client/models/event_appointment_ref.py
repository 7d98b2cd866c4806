from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_appointment_ref_status import EventAppointmentRefStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="EventAppointmentRef")


@_attrs_define
class EventAppointmentRef:
    """
    Attributes:
        id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        external_id (str):
        starts_at (datetime.datetime):
        status (EventAppointmentRefStatus | Unset):
    """

    id: int
    external_id: str
    starts_at: datetime.datetime
    status: EventAppointmentRefStatus | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        external_id = self.external_id

        starts_at = self.starts_at.isoformat()

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "external_id": external_id,
                "starts_at": starts_at,
            }
        )
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        external_id = d.pop("external_id")

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))

        _status = d.pop("status", UNSET)
        status: EventAppointmentRefStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = EventAppointmentRefStatus(_status)

        event_appointment_ref = cls(
            id=id,
            external_id=external_id,
            starts_at=starts_at,
            status=status,
        )

        event_appointment_ref.additional_properties = d
        return event_appointment_ref

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
