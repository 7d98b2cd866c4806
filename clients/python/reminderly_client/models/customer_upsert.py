from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CustomerUpsert")


@_attrs_define
class CustomerUpsert:
    """Fields left out keep their stored values.

    Attributes:
        external_id (str):
        first_name (str | Unset):
        last_name (str | Unset):
        phone (str | Unset): E.164, or national in the account's default country.
        email (str | Unset):
        timezone (str | Unset):
        locale (str | Unset):
    """

    external_id: str
    first_name: str | Unset = UNSET
    last_name: str | Unset = UNSET
    phone: str | Unset = UNSET
    email: str | Unset = UNSET
    timezone: str | Unset = UNSET
    locale: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        external_id = self.external_id

        first_name = self.first_name

        last_name = self.last_name

        phone = self.phone

        email = self.email

        timezone = self.timezone

        locale = self.locale

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "external_id": external_id,
            }
        )
        if first_name is not UNSET:
            field_dict["first_name"] = first_name
        if last_name is not UNSET:
            field_dict["last_name"] = last_name
        if phone is not UNSET:
            field_dict["phone"] = phone
        if email is not UNSET:
            field_dict["email"] = email
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if locale is not UNSET:
            field_dict["locale"] = locale

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        external_id = d.pop("external_id")

        first_name = d.pop("first_name", UNSET)

        last_name = d.pop("last_name", UNSET)

        phone = d.pop("phone", UNSET)

        email = d.pop("email", UNSET)

        timezone = d.pop("timezone", UNSET)

        locale = d.pop("locale", UNSET)

        customer_upsert = cls(
            external_id=external_id,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            email=email,
            timezone=timezone,
            locale=locale,
        )

        return customer_upsert
