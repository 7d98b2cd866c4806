from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.api_key_create_scopes_item import ApiKeyCreateScopesItem
from ..types import UNSET, Unset

T = TypeVar("T", bound="ApiKeyCreate")


@_attrs_define
class ApiKeyCreate:
    """
    Attributes:
        name (str):
        scopes (list[ApiKeyCreateScopesItem]):
        rate_limit_per_minute (int | Unset):  Default: 6000.
    """

    name: str
    scopes: list[ApiKeyCreateScopesItem]
    rate_limit_per_minute: int | Unset = 6000

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        scopes = []
        for scopes_item_data in self.scopes:
            scopes_item = scopes_item_data.value
            scopes.append(scopes_item)

        rate_limit_per_minute = self.rate_limit_per_minute

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "scopes": scopes,
            }
        )
        if rate_limit_per_minute is not UNSET:
            field_dict["rate_limit_per_minute"] = rate_limit_per_minute

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        scopes = []
        _scopes = d.pop("scopes")
        for scopes_item_data in _scopes:
            scopes_item = ApiKeyCreateScopesItem(scopes_item_data)

            scopes.append(scopes_item)

        rate_limit_per_minute = d.pop("rate_limit_per_minute", UNSET)

        api_key_create = cls(
            name=name,
            scopes=scopes,
            rate_limit_per_minute=rate_limit_per_minute,
        )

        return api_key_create
