from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_kind import CampaignKind
from ..models.campaign_settings_audience_by_type_1 import CampaignSettingsAudienceByType1
from ..models.campaign_settings_audience_by_type_2_type_1 import CampaignSettingsAudienceByType2Type1
from ..models.campaign_settings_audience_by_type_3_type_1 import CampaignSettingsAudienceByType3Type1
from ..models.campaign_settings_window_policy import CampaignSettingsWindowPolicy
from ..models.channel import Channel
from ..types import UNSET, Unset

T = TypeVar("T", bound="CampaignCreate")


@_attrs_define
class CampaignCreate:
    """
    Attributes:
        name (str):
        steps (list[Any]):
        kind (CampaignKind):
        channel (Channel):
        send_window_start (str | Unset): Wall-clock time, HH:MM (24-hour). Example: 09:00.
        send_window_end (str | Unset): Wall-clock time, HH:MM (24-hour). Example: 09:00.
        window_policy (CampaignSettingsWindowPolicy | Unset): Outside the send window, defer to its opening or advance
            to its last close.
        max_attempts (int | Unset):
        retry_base_seconds (int | Unset):
        retry_max_seconds (int | Unset):
        frequency_cap_seconds (int | None | Unset): At most one sent message of this kind per customer per this long.
        audience_top_n (int | None | Unset): Send only to the top N customers by score (GET /v1/analytics/customers);
            null: everyone. Customers not in it are suppressed as not_in_audience.
        audience_by (CampaignSettingsAudienceByType1 | CampaignSettingsAudienceByType2Type1 |
            CampaignSettingsAudienceByType3Type1 | None | Unset): Rank by the likelihood to respond (default) or to respond
            positively. positive is refused for review requests: asking only the customers predicted to be happy is review
            gating, which review sites forbid.
        max_sms_segments (int | Unset): Refuse SMS steps longer than this many segments (with sample merge fields).
            Default: 2.
    """

    name: str
    steps: list[Any]
    kind: CampaignKind
    channel: Channel
    send_window_start: str | Unset = UNSET
    send_window_end: str | Unset = UNSET
    window_policy: CampaignSettingsWindowPolicy | Unset = UNSET
    max_attempts: int | Unset = UNSET
    retry_base_seconds: int | Unset = UNSET
    retry_max_seconds: int | Unset = UNSET
    frequency_cap_seconds: int | None | Unset = UNSET
    audience_top_n: int | None | Unset = UNSET
    audience_by: (
        CampaignSettingsAudienceByType1
        | CampaignSettingsAudienceByType2Type1
        | CampaignSettingsAudienceByType3Type1
        | None
        | Unset
    ) = UNSET
    max_sms_segments: int | Unset = 2
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        steps = []
        for steps_item_data in self.steps:
            steps_item: Any
            steps_item = steps_item_data
            steps.append(steps_item)

        kind = self.kind.value

        channel = self.channel.value

        send_window_start = self.send_window_start

        send_window_end = self.send_window_end

        window_policy: str | Unset = UNSET
        if not isinstance(self.window_policy, Unset):
            window_policy = self.window_policy.value

        max_attempts = self.max_attempts

        retry_base_seconds = self.retry_base_seconds

        retry_max_seconds = self.retry_max_seconds

        frequency_cap_seconds: int | None | Unset
        if isinstance(self.frequency_cap_seconds, Unset):
            frequency_cap_seconds = UNSET
        else:
            frequency_cap_seconds = self.frequency_cap_seconds

        audience_top_n: int | None | Unset
        if isinstance(self.audience_top_n, Unset):
            audience_top_n = UNSET
        else:
            audience_top_n = self.audience_top_n

        audience_by: None | str | Unset
        if isinstance(self.audience_by, Unset):
            audience_by = UNSET
        elif isinstance(self.audience_by, CampaignSettingsAudienceByType1):
            audience_by = self.audience_by.value
        elif isinstance(self.audience_by, CampaignSettingsAudienceByType2Type1):
            audience_by = self.audience_by.value
        elif isinstance(self.audience_by, CampaignSettingsAudienceByType3Type1):
            audience_by = self.audience_by.value
        else:
            audience_by = self.audience_by

        max_sms_segments = self.max_sms_segments

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "steps": steps,
                "kind": kind,
                "channel": channel,
            }
        )
        if send_window_start is not UNSET:
            field_dict["send_window_start"] = send_window_start
        if send_window_end is not UNSET:
            field_dict["send_window_end"] = send_window_end
        if window_policy is not UNSET:
            field_dict["window_policy"] = window_policy
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts
        if retry_base_seconds is not UNSET:
            field_dict["retry_base_seconds"] = retry_base_seconds
        if retry_max_seconds is not UNSET:
            field_dict["retry_max_seconds"] = retry_max_seconds
        if frequency_cap_seconds is not UNSET:
            field_dict["frequency_cap_seconds"] = frequency_cap_seconds
        if audience_top_n is not UNSET:
            field_dict["audience_top_n"] = audience_top_n
        if audience_by is not UNSET:
            field_dict["audience_by"] = audience_by
        if max_sms_segments is not UNSET:
            field_dict["max_sms_segments"] = max_sms_segments

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:

            def _parse_steps_item(data: object) -> Any:
                return cast(Any, data)

            steps_item = _parse_steps_item(steps_item_data)

            steps.append(steps_item)

        kind = CampaignKind(d.pop("kind"))

        channel = Channel(d.pop("channel"))

        send_window_start = d.pop("send_window_start", UNSET)

        send_window_end = d.pop("send_window_end", UNSET)

        _window_policy = d.pop("window_policy", UNSET)
        window_policy: CampaignSettingsWindowPolicy | Unset
        if isinstance(_window_policy, Unset):
            window_policy = UNSET
        else:
            window_policy = CampaignSettingsWindowPolicy(_window_policy)

        max_attempts = d.pop("max_attempts", UNSET)

        retry_base_seconds = d.pop("retry_base_seconds", UNSET)

        retry_max_seconds = d.pop("retry_max_seconds", UNSET)

        def _parse_frequency_cap_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        frequency_cap_seconds = _parse_frequency_cap_seconds(d.pop("frequency_cap_seconds", UNSET))

        def _parse_audience_top_n(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        audience_top_n = _parse_audience_top_n(d.pop("audience_top_n", UNSET))

        def _parse_audience_by(
            data: object,
        ) -> (
            CampaignSettingsAudienceByType1
            | CampaignSettingsAudienceByType2Type1
            | CampaignSettingsAudienceByType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                audience_by_type_1 = CampaignSettingsAudienceByType1(data)

                return audience_by_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                audience_by_type_2_type_1 = CampaignSettingsAudienceByType2Type1(data)

                return audience_by_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                audience_by_type_3_type_1 = CampaignSettingsAudienceByType3Type1(data)

                return audience_by_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                CampaignSettingsAudienceByType1
                | CampaignSettingsAudienceByType2Type1
                | CampaignSettingsAudienceByType3Type1
                | None
                | Unset,
                data,
            )

        audience_by = _parse_audience_by(d.pop("audience_by", UNSET))

        max_sms_segments = d.pop("max_sms_segments", UNSET)

        campaign_create = cls(
            name=name,
            steps=steps,
            kind=kind,
            channel=channel,
            send_window_start=send_window_start,
            send_window_end=send_window_end,
            window_policy=window_policy,
            max_attempts=max_attempts,
            retry_base_seconds=retry_base_seconds,
            retry_max_seconds=retry_max_seconds,
            frequency_cap_seconds=frequency_cap_seconds,
            audience_top_n=audience_top_n,
            audience_by=audience_by,
            max_sms_segments=max_sms_segments,
        )

        campaign_create.additional_properties = d
        return campaign_create

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
