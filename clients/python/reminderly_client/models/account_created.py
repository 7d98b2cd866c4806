from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.account import Account
    from ..models.api_key_created import ApiKeyCreated


T = TypeVar("T", bound="AccountCreated")


@_attrs_define
class AccountCreated:
    """
    Attributes:
        account (Account):
        api_key (ApiKeyCreated): A new key; `token` is shown only in the first response. The Idempotency-Key store never
            keeps a secret: a replay (`Idempotent-Replayed: true`) has everything but `token`. A client
            that lost the first response revokes that key (by `id`) and creates another.
    """

    account: Account
    api_key: ApiKeyCreated
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account.to_dict()

        api_key = self.api_key.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "api_key": api_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.account import Account  # noqa: PLC0415
        from ..models.api_key_created import ApiKeyCreated  # noqa: PLC0415

        d = dict(src_dict)
        account = Account.from_dict(d.pop("account"))

        api_key = ApiKeyCreated.from_dict(d.pop("api_key"))

        account_created = cls(
            account=account,
            api_key=api_key,
        )

        account_created.additional_properties = d
        return account_created

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
