from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.packet_row_status import PacketRowStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="PacketRow")


@_attrs_define
class PacketRow:
    """One appointment. The same columns make a CSV header. Columns not listed here are kept as
    merge fields for the templates (any JSON value). Only `customer_id` is required of every
    row; what else a row needs depends on the campaign (README, "Packet format"): a booked row
    of a reminder campaign needs `appointment_id` and `appointment_at`, a survey or review
    request's visit needs `appointment_at` (without `appointment_id` the visit is keyed by
    customer and time), a cancellation `appointment_id` (or that visit's `appointment_at`), and
    the channel's address (`phone`, `email`). A row missing one of these is rejected with its row
    number, column and reason (`/v1/packets/{packet_id}/errors`), not refused as a request. A
    number in a listed column is read as its text (as a CSV cell would be); an object, array or
    boolean there rejects the row (`must be a string, not an object`).

        Attributes:
            customer_id (str):
            first_name (str | Unset):
            last_name (str | Unset):
            phone (str | Unset):
            email (str | Unset):
            timezone (str | Unset):
            appointment_id (str | Unset):
            appointment_at (str | Unset): ISO 8601; without an offset, local time in the row's (or the account's) timezone.
            status (PacketRowStatus | Unset):
            location_id (str | Unset):
    """

    customer_id: str
    first_name: str | Unset = UNSET
    last_name: str | Unset = UNSET
    phone: str | Unset = UNSET
    email: str | Unset = UNSET
    timezone: str | Unset = UNSET
    appointment_id: str | Unset = UNSET
    appointment_at: str | Unset = UNSET
    status: PacketRowStatus | Unset = UNSET
    location_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        customer_id = self.customer_id

        first_name = self.first_name

        last_name = self.last_name

        phone = self.phone

        email = self.email

        timezone = self.timezone

        appointment_id = self.appointment_id

        appointment_at = self.appointment_at

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        location_id = self.location_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "customer_id": customer_id,
            }
        )
        if first_name is not UNSET:
            field_dict["first_name"] = first_name
        if last_name is not UNSET:
            field_dict["last_name"] = last_name
        if phone is not UNSET:
            field_dict["phone"] = phone
        if email is not UNSET:
            field_dict["email"] = email
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if appointment_id is not UNSET:
            field_dict["appointment_id"] = appointment_id
        if appointment_at is not UNSET:
            field_dict["appointment_at"] = appointment_at
        if status is not UNSET:
            field_dict["status"] = status
        if location_id is not UNSET:
            field_dict["location_id"] = location_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        customer_id = d.pop("customer_id")

        first_name = d.pop("first_name", UNSET)

        last_name = d.pop("last_name", UNSET)

        phone = d.pop("phone", UNSET)

        email = d.pop("email", UNSET)

        timezone = d.pop("timezone", UNSET)

        appointment_id = d.pop("appointment_id", UNSET)

        appointment_at = d.pop("appointment_at", UNSET)

        _status = d.pop("status", UNSET)
        status: PacketRowStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = PacketRowStatus(_status)

        location_id = d.pop("location_id", UNSET)

        packet_row = cls(
            customer_id=customer_id,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            email=email,
            timezone=timezone,
            appointment_id=appointment_id,
            appointment_at=appointment_at,
            status=status,
            location_id=location_id,
        )

        packet_row.additional_properties = d
        return packet_row

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
