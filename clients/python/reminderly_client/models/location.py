from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.send_window import SendWindow


T = TypeVar("T", bound="Location")


@_attrs_define
class Location:
    """A site of the business. Its timezone is the default for packet rows at it; its send window,
    when set, overrides the campaign's for its appointments; its name and review URL fill the
    `{{ location }}` and `{{ review_url }}` merge fields. A packet row may name a location the
    account has not defined: it is created with the account's defaults (and the row warned).

        Attributes:
            id (int): A resource's id: an opaque public number, at least 2^52 and below 2^53 (exact in JSON
                numbers). Ids are not in creation order and say nothing of how many resources exist; use
                them as given. A number that is no id of yours is a 404.
            external_id (str):
            name (None | str):
            timezone (None | str):
            address (None | str):
            review_url (None | str):
            send_window (None | SendWindow):
            created_at (datetime.datetime): RFC 3339, UTC.
            updated_at (datetime.datetime): RFC 3339, UTC.
    """

    id: int
    external_id: str
    name: None | str
    timezone: None | str
    address: None | str
    review_url: None | str
    send_window: None | SendWindow
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.send_window import SendWindow  # noqa: PLC0415

        id = self.id

        external_id = self.external_id

        name: None | str
        name = self.name

        timezone: None | str
        timezone = self.timezone

        address: None | str
        address = self.address

        review_url: None | str
        review_url = self.review_url

        send_window: dict[str, Any] | None
        if isinstance(self.send_window, SendWindow):
            send_window = self.send_window.to_dict()
        else:
            send_window = self.send_window

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "external_id": external_id,
                "name": name,
                "timezone": timezone,
                "address": address,
                "review_url": review_url,
                "send_window": send_window,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.send_window import SendWindow  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        external_id = d.pop("external_id")

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        def _parse_timezone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        timezone = _parse_timezone(d.pop("timezone"))

        def _parse_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        address = _parse_address(d.pop("address"))

        def _parse_review_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        review_url = _parse_review_url(d.pop("review_url"))

        def _parse_send_window(data: object) -> None | SendWindow:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                send_window_type_1 = SendWindow.from_dict(data)

                return send_window_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SendWindow, data)

        send_window = _parse_send_window(d.pop("send_window"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        location = cls(
            id=id,
            external_id=external_id,
            name=name,
            timezone=timezone,
            address=address,
            review_url=review_url,
            send_window=send_window,
            created_at=created_at,
            updated_at=updated_at,
        )

        location.additional_properties = d
        return location

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
