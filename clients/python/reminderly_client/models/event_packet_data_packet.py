from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_packet_data_packet_status import EventPacketDataPacketStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="EventPacketDataPacket")


@_attrs_define
class EventPacketDataPacket:
    """
    Attributes:
        id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        status (EventPacketDataPacketStatus):
        rows_submitted (int | Unset):
        rows_accepted (int | Unset):
        rows_rejected (int | Unset):
        messages_planned (int | Unset):
        appointments_new (int | Unset):
        appointments_moved (int | Unset):
        appointments_cancelled (int | Unset):
        failure_reason (str | Unset):
    """

    id: int
    campaign_id: int
    status: EventPacketDataPacketStatus
    rows_submitted: int | Unset = UNSET
    rows_accepted: int | Unset = UNSET
    rows_rejected: int | Unset = UNSET
    messages_planned: int | Unset = UNSET
    appointments_new: int | Unset = UNSET
    appointments_moved: int | Unset = UNSET
    appointments_cancelled: int | Unset = UNSET
    failure_reason: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        campaign_id = self.campaign_id

        status = self.status.value

        rows_submitted = self.rows_submitted

        rows_accepted = self.rows_accepted

        rows_rejected = self.rows_rejected

        messages_planned = self.messages_planned

        appointments_new = self.appointments_new

        appointments_moved = self.appointments_moved

        appointments_cancelled = self.appointments_cancelled

        failure_reason = self.failure_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "campaign_id": campaign_id,
                "status": status,
            }
        )
        if rows_submitted is not UNSET:
            field_dict["rows_submitted"] = rows_submitted
        if rows_accepted is not UNSET:
            field_dict["rows_accepted"] = rows_accepted
        if rows_rejected is not UNSET:
            field_dict["rows_rejected"] = rows_rejected
        if messages_planned is not UNSET:
            field_dict["messages_planned"] = messages_planned
        if appointments_new is not UNSET:
            field_dict["appointments_new"] = appointments_new
        if appointments_moved is not UNSET:
            field_dict["appointments_moved"] = appointments_moved
        if appointments_cancelled is not UNSET:
            field_dict["appointments_cancelled"] = appointments_cancelled
        if failure_reason is not UNSET:
            field_dict["failure_reason"] = failure_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        campaign_id = d.pop("campaign_id")

        status = EventPacketDataPacketStatus(d.pop("status"))

        rows_submitted = d.pop("rows_submitted", UNSET)

        rows_accepted = d.pop("rows_accepted", UNSET)

        rows_rejected = d.pop("rows_rejected", UNSET)

        messages_planned = d.pop("messages_planned", UNSET)

        appointments_new = d.pop("appointments_new", UNSET)

        appointments_moved = d.pop("appointments_moved", UNSET)

        appointments_cancelled = d.pop("appointments_cancelled", UNSET)

        failure_reason = d.pop("failure_reason", UNSET)

        event_packet_data_packet = cls(
            id=id,
            campaign_id=campaign_id,
            status=status,
            rows_submitted=rows_submitted,
            rows_accepted=rows_accepted,
            rows_rejected=rows_rejected,
            messages_planned=messages_planned,
            appointments_new=appointments_new,
            appointments_moved=appointments_moved,
            appointments_cancelled=appointments_cancelled,
            failure_reason=failure_reason,
        )

        event_packet_data_packet.additional_properties = d
        return event_packet_data_packet

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
