from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CampaignReportRates")


@_attrs_define
class CampaignReportRates:
    """Shares of sent messages (opt-out: of planned); null before any was sent.

    Attributes:
        delivery (float | None):
        response (float | None):
        confirmation (float | None):
        click (float | None):
        opt_out (float | None):
    """

    delivery: float | None
    response: float | None
    confirmation: float | None
    click: float | None
    opt_out: float | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        delivery: float | None
        delivery = self.delivery

        response: float | None
        response = self.response

        confirmation: float | None
        confirmation = self.confirmation

        click: float | None
        click = self.click

        opt_out: float | None
        opt_out = self.opt_out

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "delivery": delivery,
                "response": response,
                "confirmation": confirmation,
                "click": click,
                "opt_out": opt_out,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_delivery(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        delivery = _parse_delivery(d.pop("delivery"))

        def _parse_response(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        response = _parse_response(d.pop("response"))

        def _parse_confirmation(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        confirmation = _parse_confirmation(d.pop("confirmation"))

        def _parse_click(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        click = _parse_click(d.pop("click"))

        def _parse_opt_out(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        opt_out = _parse_opt_out(d.pop("opt_out"))

        campaign_report_rates = cls(
            delivery=delivery,
            response=response,
            confirmation=confirmation,
            click=click,
            opt_out=opt_out,
        )

        campaign_report_rates.additional_properties = d
        return campaign_report_rates

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
