from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.send_window import SendWindow


T = TypeVar("T", bound="LocationUpsert")


@_attrs_define
class LocationUpsert:
    """The fields given are set (null clears one); the others keep their values.

    Attributes:
        external_id (str): The business's own id of the location (the packets' `location_id`).
        name (None | str | Unset):
        timezone (None | str | Unset): IANA timezone name, e.g. America/Phoenix.
        address (None | str | Unset):
        review_url (None | str | Unset): Where review requests send customers (http or https).
        send_window (None | SendWindow | Unset):
    """

    external_id: str
    name: None | str | Unset = UNSET
    timezone: None | str | Unset = UNSET
    address: None | str | Unset = UNSET
    review_url: None | str | Unset = UNSET
    send_window: None | SendWindow | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.send_window import SendWindow  # noqa: PLC0415

        external_id = self.external_id

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        address: None | str | Unset
        if isinstance(self.address, Unset):
            address = UNSET
        else:
            address = self.address

        review_url: None | str | Unset
        if isinstance(self.review_url, Unset):
            review_url = UNSET
        else:
            review_url = self.review_url

        send_window: dict[str, Any] | None | Unset
        if isinstance(self.send_window, Unset):
            send_window = UNSET
        elif isinstance(self.send_window, SendWindow):
            send_window = self.send_window.to_dict()
        else:
            send_window = self.send_window

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "external_id": external_id,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if address is not UNSET:
            field_dict["address"] = address
        if review_url is not UNSET:
            field_dict["review_url"] = review_url
        if send_window is not UNSET:
            field_dict["send_window"] = send_window

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.send_window import SendWindow  # noqa: PLC0415

        d = dict(src_dict)
        external_id = d.pop("external_id")

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        def _parse_address(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        address = _parse_address(d.pop("address", UNSET))

        def _parse_review_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        review_url = _parse_review_url(d.pop("review_url", UNSET))

        def _parse_send_window(data: object) -> None | SendWindow | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                send_window_type_1 = SendWindow.from_dict(data)

                return send_window_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SendWindow | Unset, data)

        send_window = _parse_send_window(d.pop("send_window", UNSET))

        location_upsert = cls(
            external_id=external_id,
            name=name,
            timezone=timezone,
            address=address,
            review_url=review_url,
            send_window=send_window,
        )

        return location_upsert
