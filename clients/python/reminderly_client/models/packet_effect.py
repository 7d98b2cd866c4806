from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PacketEffect")


@_attrs_define
class PacketEffect:
    """What a load did to one campaign's messages. A packet plans its own campaign's messages, and a
    change it makes to an appointment (cancelled, moved, absent from a snapshot, given to another
    customer) applies in every campaign of the account that holds that appointment.

        Attributes:
            campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
                numbers). Ids are not in creation order and say nothing of how many resources exist; use
                them as given. A number that is no id of yours is a 404.
            planned (int): Messages created to be sent.
            suppressed (int): Messages created but not to be sent (opted out, no address, too late, not in the audience).
            replanned (int): Pending messages given a new send time by a move.
            cancelled (int): Pending messages cancelled (appointment cancelled, absent from a snapshot, or reassigned).
            first_send_at (datetime.datetime | None):
    """

    campaign_id: int
    planned: int
    suppressed: int
    replanned: int
    cancelled: int
    first_send_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign_id = self.campaign_id

        planned = self.planned

        suppressed = self.suppressed

        replanned = self.replanned

        cancelled = self.cancelled

        first_send_at: None | str
        if isinstance(self.first_send_at, datetime.datetime):
            first_send_at = self.first_send_at.isoformat()
        else:
            first_send_at = self.first_send_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign_id": campaign_id,
                "planned": planned,
                "suppressed": suppressed,
                "replanned": replanned,
                "cancelled": cancelled,
                "first_send_at": first_send_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        campaign_id = d.pop("campaign_id")

        planned = d.pop("planned")

        suppressed = d.pop("suppressed")

        replanned = d.pop("replanned")

        cancelled = d.pop("cancelled")

        def _parse_first_send_at(data: object) -> datetime.datetime | None:
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

        first_send_at = _parse_first_send_at(d.pop("first_send_at"))

        packet_effect = cls(
            campaign_id=campaign_id,
            planned=planned,
            suppressed=suppressed,
            replanned=replanned,
            cancelled=cancelled,
            first_send_at=first_send_at,
        )

        packet_effect.additional_properties = d
        return packet_effect

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
