from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.channel import Channel
from ..models.consent_change_action import ConsentChangeAction
from ..types import UNSET, Unset

T = TypeVar("T", bound="ConsentChange")


@_attrs_define
class ConsentChange:
    """
    Attributes:
        channel (Channel):
        action (ConsentChangeAction):
        source (str): Where the consent came from (front desk, web form, ...); kept in the ledger.
        note (str | Unset):
    """

    channel: Channel
    action: ConsentChangeAction
    source: str
    note: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel.value

        action = self.action.value

        source = self.source

        note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel": channel,
                "action": action,
                "source": source,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = Channel(d.pop("channel"))

        action = ConsentChangeAction(d.pop("action"))

        source = d.pop("source")

        note = d.pop("note", UNSET)

        consent_change = cls(
            channel=channel,
            action=action,
            source=source,
            note=note,
        )

        return consent_change
