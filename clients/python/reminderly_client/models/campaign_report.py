from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_kind import CampaignKind
from ..models.channel import Channel
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.campaign_report_locations_item import CampaignReportLocationsItem
    from ..models.campaign_report_rates import CampaignReportRates
    from ..models.campaign_report_review import CampaignReportReview
    from ..models.funnel import Funnel
    from ..models.survey_summary import SurveySummary


T = TypeVar("T", bound="CampaignReport")


@_attrs_define
class CampaignReport:
    """
    Attributes:
        campaign_id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        status (str):
        funnel (Funnel): Where every planned message is now, from the rollups (O(1) at any size).
        name (str):
        kind (CampaignKind):
        channel (Channel):
        rates (CampaignReportRates): Shares of sent messages (opt-out: of planned); null before any was sent.
        locations (list[CampaignReportLocationsItem]): Messages per location of the business ((none): appointments
            without one), from a rollup.
        survey (SurveySummary | Unset): NPS = % promoters (9-10) - % detractors (0-6); CSAT = % of answers 8 or more.
        review (CampaignReportReview | Unset): Review requests: who was asked and who went to the review site.
    """

    campaign_id: int
    status: str
    funnel: Funnel
    name: str
    kind: CampaignKind
    channel: Channel
    rates: CampaignReportRates
    locations: list[CampaignReportLocationsItem]
    survey: SurveySummary | Unset = UNSET
    review: CampaignReportReview | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign_id = self.campaign_id

        status = self.status

        funnel = self.funnel.to_dict()

        name = self.name

        kind = self.kind.value

        channel = self.channel.value

        rates = self.rates.to_dict()

        locations = []
        for locations_item_data in self.locations:
            locations_item = locations_item_data.to_dict()
            locations.append(locations_item)

        survey: dict[str, Any] | Unset = UNSET
        if not isinstance(self.survey, Unset):
            survey = self.survey.to_dict()

        review: dict[str, Any] | Unset = UNSET
        if not isinstance(self.review, Unset):
            review = self.review.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign_id": campaign_id,
                "status": status,
                "funnel": funnel,
                "name": name,
                "kind": kind,
                "channel": channel,
                "rates": rates,
                "locations": locations,
            }
        )
        if survey is not UNSET:
            field_dict["survey"] = survey
        if review is not UNSET:
            field_dict["review"] = review

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.campaign_report_locations_item import CampaignReportLocationsItem  # noqa: PLC0415
        from ..models.campaign_report_rates import CampaignReportRates  # noqa: PLC0415
        from ..models.campaign_report_review import CampaignReportReview  # noqa: PLC0415
        from ..models.funnel import Funnel  # noqa: PLC0415
        from ..models.survey_summary import SurveySummary  # noqa: PLC0415

        d = dict(src_dict)
        campaign_id = d.pop("campaign_id")

        status = d.pop("status")

        funnel = Funnel.from_dict(d.pop("funnel"))

        name = d.pop("name")

        kind = CampaignKind(d.pop("kind"))

        channel = Channel(d.pop("channel"))

        rates = CampaignReportRates.from_dict(d.pop("rates"))

        locations = []
        _locations = d.pop("locations")
        for locations_item_data in _locations:
            locations_item = CampaignReportLocationsItem.from_dict(locations_item_data)

            locations.append(locations_item)

        _survey = d.pop("survey", UNSET)
        survey: SurveySummary | Unset
        if isinstance(_survey, Unset):
            survey = UNSET
        else:
            survey = SurveySummary.from_dict(_survey)

        _review = d.pop("review", UNSET)
        review: CampaignReportReview | Unset
        if isinstance(_review, Unset):
            review = UNSET
        else:
            review = CampaignReportReview.from_dict(_review)

        campaign_report = cls(
            campaign_id=campaign_id,
            status=status,
            funnel=funnel,
            name=name,
            kind=kind,
            channel=channel,
            rates=rates,
            locations=locations,
            survey=survey,
            review=review,
        )

        campaign_report.additional_properties = d
        return campaign_report

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
