from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.customer_opted_out import CustomerOptedOut


T = TypeVar("T", bound="Customer")


@_attrs_define
class Customer:
    """
    Attributes:
        id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
            numbers). Ids are not in creation order and say nothing of how many resources exist; use
            them as given. A number that is no id of yours is a 404.
        external_id (str): The business's own id for the customer.
        first_name (None | str):
        last_name (None | str):
        phone (None | str): E.164.
        email (None | str):
        timezone (None | str):
        locale (None | str):
        opted_out (CustomerOptedOut): When the customer opted out of each channel (null while they may be messaged).
        last_seen_at (datetime.datetime): RFC 3339, UTC.
        created_at (datetime.datetime): RFC 3339, UTC.
        updated_at (datetime.datetime): RFC 3339, UTC.
        pii_purged_at (datetime.datetime | None | Unset):
    """

    id: int
    external_id: str
    first_name: None | str
    last_name: None | str
    phone: None | str
    email: None | str
    timezone: None | str
    locale: None | str
    opted_out: CustomerOptedOut
    last_seen_at: datetime.datetime
    created_at: datetime.datetime
    updated_at: datetime.datetime
    pii_purged_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        external_id = self.external_id

        first_name: None | str
        first_name = self.first_name

        last_name: None | str
        last_name = self.last_name

        phone: None | str
        phone = self.phone

        email: None | str
        email = self.email

        timezone: None | str
        timezone = self.timezone

        locale: None | str
        locale = self.locale

        opted_out = self.opted_out.to_dict()

        last_seen_at = self.last_seen_at.isoformat()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        pii_purged_at: None | str | Unset
        if isinstance(self.pii_purged_at, Unset):
            pii_purged_at = UNSET
        elif isinstance(self.pii_purged_at, datetime.datetime):
            pii_purged_at = self.pii_purged_at.isoformat()
        else:
            pii_purged_at = self.pii_purged_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "external_id": external_id,
                "first_name": first_name,
                "last_name": last_name,
                "phone": phone,
                "email": email,
                "timezone": timezone,
                "locale": locale,
                "opted_out": opted_out,
                "last_seen_at": last_seen_at,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if pii_purged_at is not UNSET:
            field_dict["pii_purged_at"] = pii_purged_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.customer_opted_out import CustomerOptedOut  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        external_id = d.pop("external_id")

        def _parse_first_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        first_name = _parse_first_name(d.pop("first_name"))

        def _parse_last_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_name = _parse_last_name(d.pop("last_name"))

        def _parse_phone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        phone = _parse_phone(d.pop("phone"))

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        def _parse_timezone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        timezone = _parse_timezone(d.pop("timezone"))

        def _parse_locale(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        locale = _parse_locale(d.pop("locale"))

        opted_out = CustomerOptedOut.from_dict(d.pop("opted_out"))

        last_seen_at = datetime.datetime.fromisoformat(d.pop("last_seen_at"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_pii_purged_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_nullable_timestamp_type_0 = datetime.datetime.fromisoformat(data)

                return componentsschemas_nullable_timestamp_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        pii_purged_at = _parse_pii_purged_at(d.pop("pii_purged_at", UNSET))

        customer = cls(
            id=id,
            external_id=external_id,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            email=email,
            timezone=timezone,
            locale=locale,
            opted_out=opted_out,
            last_seen_at=last_seen_at,
            created_at=created_at,
            updated_at=updated_at,
            pii_purged_at=pii_purged_at,
        )

        customer.additional_properties = d
        return customer

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
