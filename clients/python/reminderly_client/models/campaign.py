from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_audience_by_type_1 import CampaignAudienceByType1
from ..models.campaign_audience_by_type_2_type_1 import CampaignAudienceByType2Type1
from ..models.campaign_audience_by_type_3_type_1 import CampaignAudienceByType3Type1
from ..models.campaign_kind import CampaignKind
from ..models.campaign_status import CampaignStatus
from ..models.campaign_window_policy import CampaignWindowPolicy
from ..models.channel import Channel

if TYPE_CHECKING:
    from ..models.step import Step


T = TypeVar("T", bound="Campaign")


@_attrs_define
class Campaign:
    """
    Attributes:
        id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        name (str):
        kind (CampaignKind):
        channel (Channel):
        status (CampaignStatus):
        send_window_start (str): Wall-clock time, HH:MM (24-hour). Example: 09:00.
        send_window_end (str): Wall-clock time, HH:MM (24-hour). Example: 09:00.
        window_policy (CampaignWindowPolicy):
        max_attempts (int):
        retry_base_seconds (int):
        retry_max_seconds (int):
        frequency_cap_seconds (int | None):
        steps (list[Step]):
        created_at (datetime.datetime): RFC 3339, UTC.
        updated_at (datetime.datetime): RFC 3339, UTC.
        archived_at (datetime.datetime | None):
        audience_top_n (int | None):
        audience_by (CampaignAudienceByType1 | CampaignAudienceByType2Type1 | CampaignAudienceByType3Type1 | None):
    """

    id: int
    name: str
    kind: CampaignKind
    channel: Channel
    status: CampaignStatus
    send_window_start: str
    send_window_end: str
    window_policy: CampaignWindowPolicy
    max_attempts: int
    retry_base_seconds: int
    retry_max_seconds: int
    frequency_cap_seconds: int | None
    steps: list[Step]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    archived_at: datetime.datetime | None
    audience_top_n: int | None
    audience_by: CampaignAudienceByType1 | CampaignAudienceByType2Type1 | CampaignAudienceByType3Type1 | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        name = self.name

        kind = self.kind.value

        channel = self.channel.value

        status = self.status.value

        send_window_start = self.send_window_start

        send_window_end = self.send_window_end

        window_policy = self.window_policy.value

        max_attempts = self.max_attempts

        retry_base_seconds = self.retry_base_seconds

        retry_max_seconds = self.retry_max_seconds

        frequency_cap_seconds: int | None
        frequency_cap_seconds = self.frequency_cap_seconds

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        archived_at: None | str
        if isinstance(self.archived_at, datetime.datetime):
            archived_at = self.archived_at.isoformat()
        else:
            archived_at = self.archived_at

        audience_top_n: int | None
        audience_top_n = self.audience_top_n

        audience_by: None | str
        if isinstance(self.audience_by, CampaignAudienceByType1):
            audience_by = self.audience_by.value
        elif isinstance(self.audience_by, CampaignAudienceByType2Type1):
            audience_by = self.audience_by.value
        elif isinstance(self.audience_by, CampaignAudienceByType3Type1):
            audience_by = self.audience_by.value
        else:
            audience_by = self.audience_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "name": name,
                "kind": kind,
                "channel": channel,
                "status": status,
                "send_window_start": send_window_start,
                "send_window_end": send_window_end,
                "window_policy": window_policy,
                "max_attempts": max_attempts,
                "retry_base_seconds": retry_base_seconds,
                "retry_max_seconds": retry_max_seconds,
                "frequency_cap_seconds": frequency_cap_seconds,
                "steps": steps,
                "created_at": created_at,
                "updated_at": updated_at,
                "archived_at": archived_at,
                "audience_top_n": audience_top_n,
                "audience_by": audience_by,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.step import Step  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        kind = CampaignKind(d.pop("kind"))

        channel = Channel(d.pop("channel"))

        status = CampaignStatus(d.pop("status"))

        send_window_start = d.pop("send_window_start")

        send_window_end = d.pop("send_window_end")

        window_policy = CampaignWindowPolicy(d.pop("window_policy"))

        max_attempts = d.pop("max_attempts")

        retry_base_seconds = d.pop("retry_base_seconds")

        retry_max_seconds = d.pop("retry_max_seconds")

        def _parse_frequency_cap_seconds(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        frequency_cap_seconds = _parse_frequency_cap_seconds(d.pop("frequency_cap_seconds"))

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = Step.from_dict(steps_item_data)

            steps.append(steps_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_archived_at(data: object) -> datetime.datetime | None:
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

        archived_at = _parse_archived_at(d.pop("archived_at"))

        def _parse_audience_top_n(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        audience_top_n = _parse_audience_top_n(d.pop("audience_top_n"))

        def _parse_audience_by(
            data: object,
        ) -> CampaignAudienceByType1 | CampaignAudienceByType2Type1 | CampaignAudienceByType3Type1 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                audience_by_type_1 = CampaignAudienceByType1(data)

                return audience_by_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                audience_by_type_2_type_1 = CampaignAudienceByType2Type1(data)

                return audience_by_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                audience_by_type_3_type_1 = CampaignAudienceByType3Type1(data)

                return audience_by_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                CampaignAudienceByType1 | CampaignAudienceByType2Type1 | CampaignAudienceByType3Type1 | None, data
            )

        audience_by = _parse_audience_by(d.pop("audience_by"))

        campaign = cls(
            id=id,
            name=name,
            kind=kind,
            channel=channel,
            status=status,
            send_window_start=send_window_start,
            send_window_end=send_window_end,
            window_policy=window_policy,
            max_attempts=max_attempts,
            retry_base_seconds=retry_base_seconds,
            retry_max_seconds=retry_max_seconds,
            frequency_cap_seconds=frequency_cap_seconds,
            steps=steps,
            created_at=created_at,
            updated_at=updated_at,
            archived_at=archived_at,
            audience_top_n=audience_top_n,
            audience_by=audience_by,
        )

        campaign.additional_properties = d
        return campaign

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
