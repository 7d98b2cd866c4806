from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_appointment_ref import EventAppointmentRef
    from ..models.event_message_ref import EventMessageRef
    from ..models.event_ref import EventRef


T = TypeVar("T", bound="EventReviewData")


@_attrs_define
class EventReviewData:
    """
    Attributes:
        message (EventMessageRef):
        customer (EventRef | None):
        appointment (EventAppointmentRef | None):
        location (EventRef | None): null when the appointment has no location
    """

    message: EventMessageRef
    customer: EventRef | None
    appointment: EventAppointmentRef | None
    location: EventRef | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_appointment_ref import EventAppointmentRef  # noqa: PLC0415
        from ..models.event_ref import EventRef  # noqa: PLC0415

        message = self.message.to_dict()

        customer: dict[str, Any] | None
        if isinstance(self.customer, EventRef):
            customer = self.customer.to_dict()
        else:
            customer = self.customer

        appointment: dict[str, Any] | None
        if isinstance(self.appointment, EventAppointmentRef):
            appointment = self.appointment.to_dict()
        else:
            appointment = self.appointment

        location: dict[str, Any] | None
        if isinstance(self.location, EventRef):
            location = self.location.to_dict()
        else:
            location = self.location

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message": message,
                "customer": customer,
                "appointment": appointment,
                "location": location,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_appointment_ref import EventAppointmentRef  # noqa: PLC0415
        from ..models.event_message_ref import EventMessageRef  # noqa: PLC0415
        from ..models.event_ref import EventRef  # noqa: PLC0415

        d = dict(src_dict)
        message = EventMessageRef.from_dict(d.pop("message"))

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

        def _parse_appointment(data: object) -> EventAppointmentRef | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                appointment_type_0 = EventAppointmentRef.from_dict(data)

                return appointment_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventAppointmentRef | None, data)

        appointment = _parse_appointment(d.pop("appointment"))

        def _parse_location(data: object) -> EventRef | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                location_type_0 = EventRef.from_dict(data)

                return location_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventRef | None, data)

        location = _parse_location(d.pop("location"))

        event_review_data = cls(
            message=message,
            customer=customer,
            appointment=appointment,
            location=location,
        )

        event_review_data.additional_properties = d
        return event_review_data

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
