from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CustomerScoreEvidence")


@_attrs_define
class CustomerScoreEvidence:
    """What the score rests on: messages sent, answered, positive; their recency-weighted count.

    Attributes:
        messages (int):
        responses (int):
        positives (int):
        weight (float):
        last_sent_at (datetime.datetime | None):
        last_response_at (datetime.datetime | None):
    """

    messages: int
    responses: int
    positives: int
    weight: float
    last_sent_at: datetime.datetime | None
    last_response_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        messages = self.messages

        responses = self.responses

        positives = self.positives

        weight = self.weight

        last_sent_at: None | str
        if isinstance(self.last_sent_at, datetime.datetime):
            last_sent_at = self.last_sent_at.isoformat()
        else:
            last_sent_at = self.last_sent_at

        last_response_at: None | str
        if isinstance(self.last_response_at, datetime.datetime):
            last_response_at = self.last_response_at.isoformat()
        else:
            last_response_at = self.last_response_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "messages": messages,
                "responses": responses,
                "positives": positives,
                "weight": weight,
                "last_sent_at": last_sent_at,
                "last_response_at": last_response_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        messages = d.pop("messages")

        responses = d.pop("responses")

        positives = d.pop("positives")

        weight = d.pop("weight")

        def _parse_last_sent_at(data: object) -> datetime.datetime | None:
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

        last_sent_at = _parse_last_sent_at(d.pop("last_sent_at"))

        def _parse_last_response_at(data: object) -> datetime.datetime | None:
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

        last_response_at = _parse_last_response_at(d.pop("last_response_at"))

        customer_score_evidence = cls(
            messages=messages,
            responses=responses,
            positives=positives,
            weight=weight,
            last_sent_at=last_sent_at,
            last_response_at=last_response_at,
        )

        customer_score_evidence.additional_properties = d
        return customer_score_evidence

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
