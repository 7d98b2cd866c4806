from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_kind import CampaignKind

if TYPE_CHECKING:
    from ..models.customer_score_evidence import CustomerScoreEvidence


T = TypeVar("T", bound="CustomerScore")


@_attrs_define
class CustomerScore:
    """
    Attributes:
        customer_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        external_id (str):
        kind (CampaignKind):
        p_respond (float): Probability to respond (reply, answer, click, confirm) to the next message of this kind.
        p_positive (float): Probability to respond positively (a 9-10 score, a confirmation, a click to the review
            site).
        evidence (CustomerScoreEvidence): What the score rests on: messages sent, answered, positive; their recency-
            weighted count.
        best_hour (int | None): Local hour they answer most.
        best_weekday (int | None): ISO weekday they answer most (1 = Monday).
        scored_at (datetime.datetime): RFC 3339, UTC.
    """

    customer_id: int
    external_id: str
    kind: CampaignKind
    p_respond: float
    p_positive: float
    evidence: CustomerScoreEvidence
    best_hour: int | None
    best_weekday: int | None
    scored_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        customer_id = self.customer_id

        external_id = self.external_id

        kind = self.kind.value

        p_respond = self.p_respond

        p_positive = self.p_positive

        evidence = self.evidence.to_dict()

        best_hour: int | None
        best_hour = self.best_hour

        best_weekday: int | None
        best_weekday = self.best_weekday

        scored_at = self.scored_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "customer_id": customer_id,
                "external_id": external_id,
                "kind": kind,
                "p_respond": p_respond,
                "p_positive": p_positive,
                "evidence": evidence,
                "best_hour": best_hour,
                "best_weekday": best_weekday,
                "scored_at": scored_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.customer_score_evidence import CustomerScoreEvidence  # noqa: PLC0415

        d = dict(src_dict)
        customer_id = d.pop("customer_id")

        external_id = d.pop("external_id")

        kind = CampaignKind(d.pop("kind"))

        p_respond = d.pop("p_respond")

        p_positive = d.pop("p_positive")

        evidence = CustomerScoreEvidence.from_dict(d.pop("evidence"))

        def _parse_best_hour(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        best_hour = _parse_best_hour(d.pop("best_hour"))

        def _parse_best_weekday(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        best_weekday = _parse_best_weekday(d.pop("best_weekday"))

        scored_at = datetime.datetime.fromisoformat(d.pop("scored_at"))

        customer_score = cls(
            customer_id=customer_id,
            external_id=external_id,
            kind=kind,
            p_respond=p_respond,
            p_positive=p_positive,
            evidence=evidence,
            best_hour=best_hour,
            best_weekday=best_weekday,
            scored_at=scored_at,
        )

        customer_score.additional_properties = d
        return customer_score

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
