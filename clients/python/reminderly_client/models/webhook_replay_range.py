from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookReplayRange")


@_attrs_define
class WebhookReplayRange:
    """
    Attributes:
        since (datetime.datetime): RFC 3339, UTC.
        until (datetime.datetime): RFC 3339, UTC.
        only_undelivered (bool | Unset): Only events this endpoint has no successful delivery of. Default: False.
    """

    since: datetime.datetime
    until: datetime.datetime
    only_undelivered: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        since = self.since.isoformat()

        until = self.until.isoformat()

        only_undelivered = self.only_undelivered

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "since": since,
                "until": until,
            }
        )
        if only_undelivered is not UNSET:
            field_dict["only_undelivered"] = only_undelivered

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        since = datetime.datetime.fromisoformat(d.pop("since"))

        until = datetime.datetime.fromisoformat(d.pop("until"))

        only_undelivered = d.pop("only_undelivered", UNSET)

        webhook_replay_range = cls(
            since=since,
            until=until,
            only_undelivered=only_undelivered,
        )

        return webhook_replay_range
