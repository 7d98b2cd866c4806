from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AccountCreate")


@_attrs_define
class AccountCreate:
    """
    Attributes:
        name (str):
        default_country (str | Unset):  Default: 'US'.
        timezone (str | Unset): IANA name. Default: 'UTC'.
    """

    name: str
    default_country: str | Unset = "US"
    timezone: str | Unset = "UTC"

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        default_country = self.default_country

        timezone = self.timezone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if default_country is not UNSET:
            field_dict["default_country"] = default_country
        if timezone is not UNSET:
            field_dict["timezone"] = timezone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        default_country = d.pop("default_country", UNSET)

        timezone = d.pop("timezone", UNSET)

        account_create = cls(
            name=name,
            default_country=default_country,
            timezone=timezone,
        )

        return account_create
