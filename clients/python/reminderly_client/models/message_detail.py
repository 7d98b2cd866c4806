from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.channel import Channel
from ..models.message_status import MessageStatus

if TYPE_CHECKING:
    from ..models.event_ref import EventRef
    from ..models.message_detail_events_item import MessageDetailEventsItem


T = TypeVar("T", bound="MessageDetail")


@_attrs_define
class MessageDetail:
    """
    Attributes:
        id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        packet_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        customer_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        appointment_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        step (int):
        channel (Channel):
        status (MessageStatus):
        reason (str):
        send_at (datetime.datetime): RFC 3339, UTC.
        attempts (int):
        sent_at (datetime.datetime | None):
        segments (int | None):
        updated_at (datetime.datetime): RFC 3339, UTC.
        customer (EventRef): A resource by reminderly's id and the business's own id for it.
        appointment (EventRef): A resource by reminderly's id and the business's own id for it.
        location (EventRef | None): The location, with the business's own id for it; null when none is known.
        last_error (None | str):
        provider_message_id (None | str):
        events (list[MessageDetailEventsItem]):
    """

    id: int
    campaign_id: int
    packet_id: int
    customer_id: int
    appointment_id: int
    step: int
    channel: Channel
    status: MessageStatus
    reason: str
    send_at: datetime.datetime
    attempts: int
    sent_at: datetime.datetime | None
    segments: int | None
    updated_at: datetime.datetime
    customer: EventRef
    appointment: EventRef
    location: EventRef | None
    last_error: None | str
    provider_message_id: None | str
    events: list[MessageDetailEventsItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_ref import EventRef  # noqa: PLC0415

        id = self.id

        campaign_id = self.campaign_id

        packet_id = self.packet_id

        customer_id = self.customer_id

        appointment_id = self.appointment_id

        step = self.step

        channel = self.channel.value

        status = self.status.value

        reason = self.reason

        send_at = self.send_at.isoformat()

        attempts = self.attempts

        sent_at: None | str
        if isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        segments: int | None
        segments = self.segments

        updated_at = self.updated_at.isoformat()

        customer = self.customer.to_dict()

        appointment = self.appointment.to_dict()

        location: dict[str, Any] | None
        if isinstance(self.location, EventRef):
            location = self.location.to_dict()
        else:
            location = self.location

        last_error: None | str
        last_error = self.last_error

        provider_message_id: None | str
        provider_message_id = self.provider_message_id

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "campaign_id": campaign_id,
                "packet_id": packet_id,
                "customer_id": customer_id,
                "appointment_id": appointment_id,
                "step": step,
                "channel": channel,
                "status": status,
                "reason": reason,
                "send_at": send_at,
                "attempts": attempts,
                "sent_at": sent_at,
                "segments": segments,
                "updated_at": updated_at,
                "customer": customer,
                "appointment": appointment,
                "location": location,
                "last_error": last_error,
                "provider_message_id": provider_message_id,
                "events": events,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_ref import EventRef  # noqa: PLC0415
        from ..models.message_detail_events_item import MessageDetailEventsItem  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        campaign_id = d.pop("campaign_id")

        packet_id = d.pop("packet_id")

        customer_id = d.pop("customer_id")

        appointment_id = d.pop("appointment_id")

        step = d.pop("step")

        channel = Channel(d.pop("channel"))

        status = MessageStatus(d.pop("status"))

        reason = d.pop("reason")

        send_at = datetime.datetime.fromisoformat(d.pop("send_at"))

        attempts = d.pop("attempts")

        def _parse_sent_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_nullable_timestamp_type_0 = datetime.datetime.fromisoformat(data)

                return componentsschemas_nullable_timestamp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        sent_at = _parse_sent_at(d.pop("sent_at"))

        def _parse_segments(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        segments = _parse_segments(d.pop("segments"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        customer = EventRef.from_dict(d.pop("customer"))

        appointment = EventRef.from_dict(d.pop("appointment"))

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

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_provider_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider_message_id = _parse_provider_message_id(d.pop("provider_message_id"))

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = MessageDetailEventsItem.from_dict(events_item_data)

            events.append(events_item)

        message_detail = cls(
            id=id,
            campaign_id=campaign_id,
            packet_id=packet_id,
            customer_id=customer_id,
            appointment_id=appointment_id,
            step=step,
            channel=channel,
            status=status,
            reason=reason,
            send_at=send_at,
            attempts=attempts,
            sent_at=sent_at,
            segments=segments,
            updated_at=updated_at,
            customer=customer,
            appointment=appointment,
            location=location,
            last_error=last_error,
            provider_message_id=provider_message_id,
            events=events,
        )

        message_detail.additional_properties = d
        return message_detail

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
