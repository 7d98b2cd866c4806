from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.appointment_last_change import AppointmentLastChange
from ..models.appointment_status import AppointmentStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.appointment_customer import AppointmentCustomer
    from ..models.appointment_location_type_1 import AppointmentLocationType1
    from ..models.message import Message


T = TypeVar("T", bound="Appointment")


@_attrs_define
class Appointment:
    """An appointment of the business (account-wide, by its `external_id`): its customer, time,
    status, location, what the last packet did to it and, when read one at a time, its messages in
    every campaign.

        Attributes:
            id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
                numbers). Ids are not in creation order and say nothing of how many resources exist; use
                them as given. A number that is no id of yours is a 404.
            external_id (str): The business's appointment_id (or `visit:<customer>@<time>` for a visit sent without one).
            status (AppointmentStatus):
            starts_at (datetime.datetime): RFC 3339, UTC.
            timezone (str):
            customer (AppointmentCustomer):
            location (AppointmentLocationType1 | None):
            last_change (AppointmentLastChange):
            last_packet_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
                numbers). Ids are not in creation order and say nothing of how many resources exist; use
                them as given. A number that is no id of yours is a 404.
            created_at (datetime.datetime): RFC 3339, UTC.
            updated_at (datetime.datetime): RFC 3339, UTC.
            messages (list[Message] | Unset):
    """

    id: int
    external_id: str
    status: AppointmentStatus
    starts_at: datetime.datetime
    timezone: str
    customer: AppointmentCustomer
    location: AppointmentLocationType1 | None
    last_change: AppointmentLastChange
    last_packet_id: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    messages: list[Message] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.appointment_location_type_1 import AppointmentLocationType1  # noqa: PLC0415

        id = self.id

        external_id = self.external_id

        status = self.status.value

        starts_at = self.starts_at.isoformat()

        timezone = self.timezone

        customer = self.customer.to_dict()

        location: dict[str, Any] | None
        if isinstance(self.location, AppointmentLocationType1):
            location = self.location.to_dict()
        else:
            location = self.location

        last_change = self.last_change.value

        last_packet_id = self.last_packet_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        messages: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.messages, Unset):
            messages = []
            for messages_item_data in self.messages:
                messages_item = messages_item_data.to_dict()
                messages.append(messages_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "external_id": external_id,
                "status": status,
                "starts_at": starts_at,
                "timezone": timezone,
                "customer": customer,
                "location": location,
                "last_change": last_change,
                "last_packet_id": last_packet_id,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if messages is not UNSET:
            field_dict["messages"] = messages

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.appointment_customer import AppointmentCustomer  # noqa: PLC0415
        from ..models.appointment_location_type_1 import AppointmentLocationType1  # noqa: PLC0415
        from ..models.message import Message  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        external_id = d.pop("external_id")

        status = AppointmentStatus(d.pop("status"))

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))

        timezone = d.pop("timezone")

        customer = AppointmentCustomer.from_dict(d.pop("customer"))

        def _parse_location(data: object) -> AppointmentLocationType1 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                location_type_1 = AppointmentLocationType1.from_dict(data)

                return location_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AppointmentLocationType1 | None, data)

        location = _parse_location(d.pop("location"))

        last_change = AppointmentLastChange(d.pop("last_change"))

        last_packet_id = d.pop("last_packet_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        _messages = d.pop("messages", UNSET)
        messages: list[Message] | Unset = UNSET
        if _messages is not UNSET:
            messages = []
            for messages_item_data in _messages:
                messages_item = Message.from_dict(messages_item_data)

                messages.append(messages_item)

        appointment = cls(
            id=id,
            external_id=external_id,
            status=status,
            starts_at=starts_at,
            timezone=timezone,
            customer=customer,
            location=location,
            last_change=last_change,
            last_packet_id=last_packet_id,
            created_at=created_at,
            updated_at=updated_at,
            messages=messages,
        )

        appointment.additional_properties = d
        return appointment

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
