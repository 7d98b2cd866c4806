from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.survey_summary_distribution import SurveySummaryDistribution


T = TypeVar("T", bound="SurveySummary")


@_attrs_define
class SurveySummary:
    """NPS = % promoters (9-10) - % detractors (0-6); CSAT = % of answers 8 or more.

    Attributes:
        responses (int):
        promoters (int):
        passives (int):
        detractors (int):
        nps (float | None):
        average_score (float | None):
        csat_percent (float | None):
        comments (int):
        distribution (SurveySummaryDistribution): Answers per score, 0 to 10.
    """

    responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    average_score: float | None
    csat_percent: float | None
    comments: int
    distribution: SurveySummaryDistribution
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        responses = self.responses

        promoters = self.promoters

        passives = self.passives

        detractors = self.detractors

        nps: float | None
        nps = self.nps

        average_score: float | None
        average_score = self.average_score

        csat_percent: float | None
        csat_percent = self.csat_percent

        comments = self.comments

        distribution = self.distribution.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "responses": responses,
                "promoters": promoters,
                "passives": passives,
                "detractors": detractors,
                "nps": nps,
                "average_score": average_score,
                "csat_percent": csat_percent,
                "comments": comments,
                "distribution": distribution,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.survey_summary_distribution import SurveySummaryDistribution  # noqa: PLC0415

        d = dict(src_dict)
        responses = d.pop("responses")

        promoters = d.pop("promoters")

        passives = d.pop("passives")

        detractors = d.pop("detractors")

        def _parse_nps(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        nps = _parse_nps(d.pop("nps"))

        def _parse_average_score(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        average_score = _parse_average_score(d.pop("average_score"))

        def _parse_csat_percent(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        csat_percent = _parse_csat_percent(d.pop("csat_percent"))

        comments = d.pop("comments")

        distribution = SurveySummaryDistribution.from_dict(d.pop("distribution"))

        survey_summary = cls(
            responses=responses,
            promoters=promoters,
            passives=passives,
            detractors=detractors,
            nps=nps,
            average_score=average_score,
            csat_percent=csat_percent,
            comments=comments,
            distribution=distribution,
        )

        survey_summary.additional_properties = d
        return survey_summary

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
