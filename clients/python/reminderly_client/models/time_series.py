from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.time_series_bucket import TimeSeriesBucket

if TYPE_CHECKING:
    from ..models.time_series_points_item import TimeSeriesPointsItem


T = TypeVar("T", bound="TimeSeries")


@_attrs_define
class TimeSeries:
    """
    Attributes:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        bucket (TimeSeriesBucket):
        since (datetime.datetime): RFC 3339, UTC.
        until (datetime.datetime): RFC 3339, UTC.
        points (list[TimeSeriesPointsItem]):
    """

    campaign_id: int
    bucket: TimeSeriesBucket
    since: datetime.datetime
    until: datetime.datetime
    points: list[TimeSeriesPointsItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign_id = self.campaign_id

        bucket = self.bucket.value

        since = self.since.isoformat()

        until = self.until.isoformat()

        points = []
        for points_item_data in self.points:
            points_item = points_item_data.to_dict()
            points.append(points_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign_id": campaign_id,
                "bucket": bucket,
                "since": since,
                "until": until,
                "points": points,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.time_series_points_item import TimeSeriesPointsItem  # noqa: PLC0415

        d = dict(src_dict)
        campaign_id = d.pop("campaign_id")

        bucket = TimeSeriesBucket(d.pop("bucket"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        until = datetime.datetime.fromisoformat(d.pop("until"))

        points = []
        _points = d.pop("points")
        for points_item_data in _points:
            points_item = TimeSeriesPointsItem.from_dict(points_item_data)

            points.append(points_item)

        time_series = cls(
            campaign_id=campaign_id,
            bucket=bucket,
            since=since,
            until=until,
            points=points,
        )

        time_series.additional_properties = d
        return time_series

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
