from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.counts import Counts
    from ..models.funnel_suppressed_by_reason import FunnelSuppressedByReason


T = TypeVar("T", bound="Funnel")


@_attrs_define
class Funnel:
    """Where every planned message is now, from the rollups (O(1) at any size).

    Attributes:
        planned (int):
        pending (int): Scheduled, ready or waiting to retry.
        sent (int): Handed to the provider (delivered ones included).
        delivered (int):
        failed (int):
        dead (int):
        suppressed (int):
        cancelled (int):
        suppressed_by_reason (FunnelSuppressedByReason):
        by_state (Counts): Message counts by state; suppressed ones keyed state:reason (suppressed:opted_out).
        responded (int): Replies and survey answers.
        confirmed (int): Appointments confirmed by reply.
        opted_out (int): Messages suppressed by an opt-out.
        clicked (int): First clicks on tracked links.
    """

    planned: int
    pending: int
    sent: int
    delivered: int
    failed: int
    dead: int
    suppressed: int
    cancelled: int
    suppressed_by_reason: FunnelSuppressedByReason
    by_state: Counts
    responded: int
    confirmed: int
    opted_out: int
    clicked: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        planned = self.planned

        pending = self.pending

        sent = self.sent

        delivered = self.delivered

        failed = self.failed

        dead = self.dead

        suppressed = self.suppressed

        cancelled = self.cancelled

        suppressed_by_reason = self.suppressed_by_reason.to_dict()

        by_state = self.by_state.to_dict()

        responded = self.responded

        confirmed = self.confirmed

        opted_out = self.opted_out

        clicked = self.clicked

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "planned": planned,
                "pending": pending,
                "sent": sent,
                "delivered": delivered,
                "failed": failed,
                "dead": dead,
                "suppressed": suppressed,
                "cancelled": cancelled,
                "suppressed_by_reason": suppressed_by_reason,
                "by_state": by_state,
                "responded": responded,
                "confirmed": confirmed,
                "opted_out": opted_out,
                "clicked": clicked,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.counts import Counts  # noqa: PLC0415
        from ..models.funnel_suppressed_by_reason import FunnelSuppressedByReason  # noqa: PLC0415

        d = dict(src_dict)
        planned = d.pop("planned")

        pending = d.pop("pending")

        sent = d.pop("sent")

        delivered = d.pop("delivered")

        failed = d.pop("failed")

        dead = d.pop("dead")

        suppressed = d.pop("suppressed")

        cancelled = d.pop("cancelled")

        suppressed_by_reason = FunnelSuppressedByReason.from_dict(d.pop("suppressed_by_reason"))

        by_state = Counts.from_dict(d.pop("by_state"))

        responded = d.pop("responded")

        confirmed = d.pop("confirmed")

        opted_out = d.pop("opted_out")

        clicked = d.pop("clicked")

        funnel = cls(
            planned=planned,
            pending=pending,
            sent=sent,
            delivered=delivered,
            failed=failed,
            dead=dead,
            suppressed=suppressed,
            cancelled=cancelled,
            suppressed_by_reason=suppressed_by_reason,
            by_state=by_state,
            responded=responded,
            confirmed=confirmed,
            opted_out=opted_out,
            clicked=clicked,
        )

        funnel.additional_properties = d
        return funnel

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
